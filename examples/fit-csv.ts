/**
 * Fitting the columns of a CSV file from a script: `loadCsv` (header detection, a column subset,
 * errors with line and column), `fit` with early stopping, `saveFlow` with metadata, `loadFlow`.
 *
 *     npx tsx examples/fit-csv.ts [--quick]
 *
 * The CSV is written first (pinwheel points and a label column) so the example is self-contained;
 * point `loadCsv` at your own file instead.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { datasets, densityFigure, fit, ready, realNVP, tf } from 'tfjs-flows';
import { loadCsv, loadFlow, saveFlow, writeHtml } from 'tfjs-flows/node';
import { pick } from './quick.js';

await ready();
const dir = 'out/examples/fit-csv';
mkdirSync(dir, { recursive: true });
const points = datasets.pinwheel(4000, { seed: 1 });
const rows = points.arraySync().map(([u, v], i) => `${u.toFixed(5)},${v.toFixed(5)},arm${i % 5}`);
points.dispose();
writeFileSync(`${dir}/data.csv`, ['u,v,label', ...rows].join('\n'));

// Only the numeric columns u and v; the label column is never parsed.
const { x, columns } = await loadCsv(`${dir}/data.csv`, { columns: ['u', 'v'] });
const flow = realNVP({ dim: 2, layers: 6, hidden: [64, 64], seed: 0 });
const history = await fit(flow, x, { epochs: pick(60, 2), batchSize: 256, validationSplit: 0.1, patience: 5, seed: 2 });
console.log(`fitted ${columns.join(', ')}: ${history.steps.length} steps, stopped by ${history.stopReason}, best validation NLL ${history.bestLoss?.toFixed(3)} at step ${history.bestStep}`);

await saveFlow(flow, `${dir}/flow.json`, { metadata: { columns, bestValidationNll: history.bestLoss ?? null } });
const loaded = await loadFlow(`${dir}/flow.json`);
const same = tf.tidy(() => tf.max(tf.abs(tf.sub(flow.logProb(x), loaded.logProb(x))))).dataSync()[0];
console.log(`saved and loaded: max |Δ log p| = ${same} over ${x.shape[0]} rows`);
await writeHtml([await densityFigure(loaded, { data: x.slice([0, 0], [2000, 2]).arraySync() })], `${dir}/report.html`, { title: 'Pinwheel from CSV' });
console.log(`wrote ${dir}/flow.json and ${dir}/report.html`);
x.dispose();
flow.dispose();
loaded.dispose();
