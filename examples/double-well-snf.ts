/**
 * Stochastic normalizing flows on the double well of Wu, Köhler & Noé (2020): a RealNVP with 20
 * Metropolis steps after each of its three blocks (on energies interpolated from the base to the
 * target), trained by maximum likelihood on exact samples and then by ½ ML + ½ KL. Its samples carry
 * exact importance weights: they estimate log Z and reweight the free-energy profile of x₁, which is
 * compared with the exact one. Then the trained flow proposes moves for independence Metropolis–
 * Hastings with MALA steps in between, whose chains are checked with the usual diagnostics.
 *
 *     npx tsx examples/double-well-snf.ts [--quick]
 */
import {
  DOUBLE_WELL_LEFT_MASS, MetropolisBlock, autocorrelationFigure, doubleWellFreeEnergy, energies, flowIndependenceMH, freeEnergyFigure, freeEnergyProfile,
  interleaveBlocks, ready, realNVP, sampleDoubleWell, summarizeChains, trainStochasticFlow, traceFigure,
} from 'tfjs-flows';
import { writeHtml } from 'tfjs-flows/node';
import { pick } from './quick.js';

await ready();
const target = energies.doubleWell;
const flow = realNVP({ dim: 2, layers: 6, hidden: [64, 64], seed: 0 });
const snf = interleaveBlocks(flow, target.logDensity, { groups: 3, block: (lambda) => new MetropolisBlock({ lambda, steps: 20, stepSize: 0.25 }) });

const data = sampleDoubleWell(10000, 1);
const steps = pick(300, 10);
await trainStochasticFlow(snf, { data, steps, batchSize: 128, learningRate: 5e-3, seed: 2, progress: false });
const h = await trainStochasticFlow(snf, { data, mlWeight: 0.5, klWeight: 0.5, steps, batchSize: 128, learningRate: 5e-3, seed: 3, progress: false });
console.log(`trained ${2 * steps} steps; final ½ML + ½KL loss ${h.loss.at(-1)!.toFixed(3)}`);
data.dispose();

const n = pick(20000, 2000);
const r = snf.sampleWithWeights(n, { seed: 4 });
const xy = r.samples.dataSync();
r.samples.dispose();
const x1 = Array.from({ length: n }, (_, i) => xy[2 * i]);
let left = 0;
x1.forEach((v, i) => (left += v < 0 ? r.weights[i] : 0));
console.log(`log Z ≈ ${r.logZ.toFixed(3)} ± ${r.logZStdErr.toFixed(3)} (quadrature ${target.logZ.toFixed(5)}); ESS ${(100 * r.essFraction).toFixed(1)}% of ${n}`);
console.log(`P(x₁ < 0) ≈ ${left.toFixed(4)} reweighted, ${(x1.filter((v) => v < 0).length / n).toFixed(4)} unweighted (exact ${DOUBLE_WELL_LEFT_MASS.toFixed(5)})`);

const weighted = freeEnergyProfile(x1, r.weights, { bins: 30, range: [-2.25, 2.25] });
const raw = freeEnergyProfile(x1, undefined, { bins: 30, range: [-2.25, 2.25] });
const profile = freeEnergyFigure(
  [
    { name: 'exact', centres: weighted.centres, freeEnergy: doubleWellFreeEnergy(weighted.edges), line: true },
    { name: 'SNF samples, reweighted', ...weighted },
    { name: 'SNF samples, raw', ...raw },
  ],
  { label: 'x₁', title: 'Double well: free energy along x₁' },
);

// The same flow (its bijectors are the stochastic flow's) as the proposal of independence MH, with MALA in between.
const plain = snf.deterministicFlow();
const mh = flowIndependenceMH(plain, target.logDensity, { samples: pick(2000, 100), warmup: pick(200, 20), chains: 4, localSteps: 2, local: 'mala', localStepSize: 0.02, seed: 5 });
const [s1] = summarizeChains(mh);
console.log(`independence MH: acceptance ${mh.acceptanceRate.toFixed(2)} (flow), ${mh.localAcceptanceRate.toFixed(2)} (MALA); x₁: mean ${s1.mean.toFixed(3)} ± ${s1.mcse.toFixed(3)}, bulk ESS ${s1.essBulk.toFixed(0)}, R̂ ${s1.rhat.toFixed(3)}`);

await writeHtml([profile, traceFigure(mh, { dim: 0, label: 'x₁' }), autocorrelationFigure(mh, { dim: 0, label: 'x₁', maxLag: 50 })], 'out/examples/double-well-snf/report.html', { title: 'Stochastic normalizing flow on the double well' });
console.log('wrote out/examples/double-well-snf/report.html');
snf.dispose();
