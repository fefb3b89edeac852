/**
 * Variational inference on an unnormalised density: fit a flow to the energy U1 of Rezende & Mohamed
 * (2015) by reverse KL (`fitToTarget`, from the flow's own samples), then reweight its samples by
 * importance sampling to estimate log Z and the effective sample size.
 *
 *     npx tsx examples/energy-sampling.ts [--quick]
 */
import { densityComparisonFigure, energies, fitToTarget, importanceSample, ready, realNVP } from 'tfjs-flows';
import { writeHtml } from 'tfjs-flows/node';
import { pick } from './quick.js';

await ready();
const target = energies.u1;
const flow = realNVP({ dim: 2, layers: 6, hidden: [32, 32], seed: 0 });

// Annealing (β from 0.01 to 1) keeps the flow from collapsing onto one of U1's two modes early on.
const history = await fitToTarget(flow, target.logDensity, { steps: pick(1500, 50), samplesPerStep: 256, annealSteps: pick(500, 20), seed: 1 });
console.log(`reverse KL: ${history.steps.length} steps, final loss ${history.loss.at(-1)!.toFixed(3)} (→ −log Z = ${(-target.logZ).toFixed(3)} at a perfect fit)`);

const r = await importanceSample(flow, target.logDensity, 20000, { seed: 2 });
console.log(`importance sampling: log Z ≈ ${r.logZ.toFixed(3)} ± ${r.logZStdErr.toFixed(3)} (quadrature: ${target.logZ.toFixed(3)}), ESS ${(100 * r.essFraction).toFixed(1)}% of ${r.samples.shape[0]}`);
r.samples.dispose();

const [[x0, x1], [y0, y1]] = target.box;
await writeHtml([await densityComparisonFigure(target.logDensity, flow, { bounds: [[x0, x1], [y0, y1]] })], 'out/examples/energy-sampling/report.html', { title: 'U1 by reverse KL' });
console.log('wrote out/examples/energy-sampling/report.html');
flow.dispose();
