/**
 * Markdown tables from the JSON of bench/tabular.ts, with the issue's targets checked:
 *
 *     npx tsx bench/tabular-table.ts out/tabular.json [more.json …]
 *
 * Targets (issue 15): with defaults every family beats the Gaussian on every set; NSF (coupling and
 * autoregressive) beats the Gaussian mixture on every set with ≥ 2,000 rows; the synthetic sets end
 * within 0.05 nats per dimension of the true density.
 */
import { readFileSync } from 'node:fs';

interface FlowResult { test?: number; error?: string; steps?: number; seconds?: number; gapPerDim?: number; stopReason?: string }
interface SetResult {
  name: string;
  dim: number;
  rows: { total: number; train: number };
  gaussian: { test: number };
  gaussianMixture: { test: number; components: number };
  truth?: { testNll: number; entropy: number };
  flows: Record<string, FlowResult>;
}

const sets: SetResult[] = process.argv.slice(2).flatMap((f) => (JSON.parse(readFileSync(f, 'utf8')) as { sets: SetResult[] }).sets);
const families = ['nsf', 'nsf-ar', 'maf', 'realnvp'];
const labels: Record<string, string> = { nsf: 'NSF coupling', 'nsf-ar': 'NSF AR', maf: 'MAF', realnvp: 'RealNVP' };
const configs = ['library', 'cli'];
const fmt = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(3));

const lines: string[] = [];
lines.push(`| set | rows | d | Gaussian | mixture (K) | true density | ${families.map((f) => `${labels[f]} lib / cli`).join(' | ')} |`);
lines.push(`|---|---|---|---|---|---|${families.map(() => '---').join('|')}|`);
const misses: string[] = [];
for (const s of sets) {
  const cells = families.map((f) => configs.map((c) => {
    const r = s.flows[`${f}/${c}`];
    if (!r) return '–';
    if (r.test === undefined) return 'failed';
    const beatsG = r.test < s.gaussian.test;
    const beatsM = r.test < s.gaussianMixture.test;
    if (!beatsG) misses.push(`${s.name}: ${f}/${c} ${fmt(r.test)} does not beat the Gaussian ${fmt(s.gaussian.test)}`);
    if (f.startsWith('nsf') && s.rows.total >= 2000 && !beatsM) misses.push(`${s.name}: ${f}/${c} ${fmt(r.test)} does not beat the mixture ${fmt(s.gaussianMixture.test)}`);
    if (s.truth && r.gapPerDim !== undefined && r.gapPerDim > 0.05) misses.push(`${s.name}: ${f}/${c} ends ${r.gapPerDim.toFixed(3)} nats/dim above the true density (target 0.05)`);
    return `${fmt(r.test)}${beatsG ? '' : '†'}${beatsM ? '*' : ''}`;
  }).join(' / '));
  lines.push(`| ${s.name} | ${s.rows.total} | ${s.dim} | ${fmt(s.gaussian.test)} | ${fmt(s.gaussianMixture.test)} (${s.gaussianMixture.components}) | ${s.truth ? fmt(s.truth.testNll) : ''} | ${cells.join(' | ')} |`);
}
lines.push('');
lines.push('Test NLL in nats per row (lower is better). * beats the Gaussian mixture; † does not beat the Gaussian.');
const synth = sets.filter((s) => s.truth);
if (synth.length) {
  lines.push('');
  lines.push(`| synthetic set | ${families.map((f) => `${labels[f]} gap/dim lib / cli`).join(' | ')} |`);
  lines.push(`|---|${families.map(() => '---').join('|')}|`);
  for (const s of synth) {
    lines.push(`| ${s.name} | ${families.map((f) => configs.map((c) => fmt(s.flows[`${f}/${c}`]?.gapPerDim)).join(' / ')).join(' | ')} |`);
  }
  lines.push('');
  lines.push('Gap per dimension: (flow test NLL − true density test NLL) / d, nats; target ≤ 0.05.');
}
lines.push('');
lines.push(misses.length ? `Targets missed (${misses.length}):\n${misses.map((m) => `- ${m}`).join('\n')}` : 'Every target met on the sets above.');
process.stdout.write(`${lines.join('\n')}\n`);
