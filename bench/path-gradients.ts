/**
 * Issue 20's path-gradient benchmark (Vaitl et al. 2024). Prints JSON with:
 * - `stepCost`: time of one reverse-KL gradient step (loss + gradients, no optimiser) at 256 samples
 *   for `reparam`, `stl` and `fastPath`, interleaved, median of the repeats; ratios to `reparam` (of
 *   the medians, and `pairedRatio`: the median of the per-repeat ratios).
 * - `u2Variance`: RealNVP trained on U2 to near convergence, then 100 gradient estimates per estimator
 *   on fresh samples: total variance (trace of the covariance over the weights), ratio to `reparam`.
 * - `overfitting`: 16 training points from N((0.2, 0.2), 0.5² I), RealNVP with 3 couplings, 500
 *   full-batch steps, plain maximum likelihood vs `fastPath` with the known log-density; test-minus-
 *   train NLL gap (test: 20,000 fresh points), 3 seeds.
 * - `planarRadial`: planar and radial flows trained on U1 with `fastPath` vs `reparam`: final reverse KL.
 *
 *     nice -n 10 npx tsx bench/path-gradients.ts [--quick] [stepCost u2Variance overfitting planarRadial]
 */
import { Flow, Rng, energies, fit, fitToTarget, neuralSplineFlow, planarFlow, radialFlow, ready, realNVP, tf, type LogTarget } from '../src/index.js';
import { fastPathReverseKlTerms } from '../src/train/path-gradient.js';
import { reverseKlTerms } from '../src/train/reverse-kl.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const parts = args.filter((a) => !a.startsWith('--'));
const want = (p: string) => parts.length === 0 || parts.includes(p);
await ready();

type Estimator = 'reparam' | 'stl' | 'fastPath';
const ESTIMATORS: Estimator[] = ['reparam', 'stl', 'fastPath'];

function lossOf(flow: Flow, target: LogTarget, e: Estimator, n: number, seed: string): tf.Scalar {
  const s = { n, rng: new Rng(seed), beta: 1, pathGradient: e === 'stl', fn: 'bench', step: 1 };
  return e === 'fastPath' ? fastPathReverseKlTerms(flow, target, s).loss : reverseKlTerms(flow, target, s).loss;
}

/** Gradient of one estimator, flattened over the trainable weights. */
function gradient(flow: Flow, target: LogTarget, e: Estimator, n: number, seed: string): Float64Array {
  const vars = flow.trainableVariables;
  const { value, grads } = tf.variableGrads(() => lossOf(flow, target, e, n, seed), vars);
  const out = Float64Array.from(vars.flatMap((v) => Array.from(grads[v.name].dataSync())));
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const round = (v: number, d = 4) => Number(v.toFixed(d));
const results: Record<string, unknown> = { backend: tf.getBackend() };

if (want('stepCost')) {
  const u = energies.u2.logDensity;
  const flows: Record<string, () => Flow> = {
    realNVP8: () => realNVP({ dim: 2, layers: 8, hidden: [64, 64], seed: 0 }),
    planar32: () => planarFlow({ dim: 2, layers: 32, seed: 0 }),
    // Spline couplings: the transformer's score terms in closed form (SplineTransformer.scoreTerms, one fused kernel pass).
    nsf4: () => neuralSplineFlow({ dim: 2, layers: 4, hidden: [64, 64], bins: 8, tailBound: 5, invert: false, seed: 0 }),
  };
  const out: Record<string, unknown> = {};
  for (const [name, build] of Object.entries(flows)) {
    const flow = build();
    const reps = quick ? 10 : Number(process.env.REPS ?? 40);
    const times: Record<Estimator, number[]> = { reparam: [], stl: [], fastPath: [] };
    for (let r = -3; r < reps; r++) {
      for (const e of ESTIMATORS) {
        if (e === 'stl' && flow.bijector.inverseKind !== 'analytic') continue;
        const t0 = performance.now();
        const vars = flow.trainableVariables;
        const { value, grads } = tf.variableGrads(() => lossOf(flow, u, e, 256, `t${r}`), vars);
        // Reading one value waits for the step to finish (wasm runs synchronously anyway).
        value.dataSync();
        const ms = performance.now() - t0;
        tf.dispose([value, ...Object.values(grads)]);
        if (r >= 0) times[e].push(ms);
      }
    }
    const base = median(times.reparam);
    // pairedRatio: the median over repeats of this repeat's time over the same repeat's reparam time
    // (adjacent in time, so less sensitive to the shared machine's load drifting during the run).
    const paired = (e: Estimator) => median(times[e].map((t, i) => t / times.reparam[i]));
    out[name] = Object.fromEntries(
      ESTIMATORS.filter((e) => times[e].length > 0).map((e) => [e, { medianMs: round(median(times[e]), 2), ratioToReparam: round(median(times[e]) / base, 3), pairedRatio: round(paired(e), 3) }]),
    );
    flow.dispose();
  }
  results.stepCost = out;
  console.error('stepCost done', JSON.stringify(out));
}

if (want('u2Variance')) {
  const u = energies.u2.logDensity;
  const flow = realNVP({ dim: 2, layers: 8, hidden: [64, 64], seed: 0 });
  const steps = quick ? 500 : 3000;
  const h = await fitToTarget(flow, u, { steps, samplesPerStep: 256, learningRate: 1e-3, annealSteps: Math.floor(steps / 3), seed: 1, progress: false });
  const { samples, logProb } = flow.sampleAndLogProb(20000, { seed: 2 });
  const reverseKl = tf.tidy(() => tf.mean(tf.sub(logProb, u(samples))).dataSync()[0]) + energies.u2.logZ;
  tf.dispose([samples, logProb]);
  const repeats = 100;
  const variance: Record<string, number> = {};
  for (const e of ESTIMATORS) {
    const gs = Array.from({ length: repeats }, (_, r) => gradient(flow, u, e, 256, `v${r}`));
    const k = gs[0].length;
    let total = 0;
    for (let j = 0; j < k; j++) {
      const mean = gs.reduce((s, g) => s + g[j], 0) / repeats;
      total += gs.reduce((s, g) => s + (g[j] - mean) ** 2, 0) / (repeats - 1);
    }
    variance[e] = total;
  }
  results.u2Variance = {
    flow: 'realNVP 8 layers, hidden [64, 64]',
    trainingSteps: steps,
    finalLoss: round(h.loss.at(-1)!),
    reverseKl: round(reverseKl),
    repeats,
    samplesPerEstimate: 256,
    totalVariance: Object.fromEntries(Object.entries(variance).map(([k, v]) => [k, Number(v.toPrecision(4))])),
    fastPathOverReparam: round(variance.fastPath / variance.reparam),
    stlOverReparam: round(variance.stl / variance.reparam),
    target: 'fastPathOverReparam ≤ 0.5',
  };
  flow.dispose();
  console.error('u2Variance done', JSON.stringify(results.u2Variance));
}

if (want('overfitting')) {
  const LOC = 0.2;
  const SCALE = 0.5;
  const logTarget: LogTarget = (x) => tf.tidy(() => tf.sum(tf.mul(-0.5, tf.square(tf.div(tf.sub(x, LOC), SCALE))), 1) as tf.Tensor1D);
  const draw = (rng: Rng, n: number) => Array.from({ length: n }, () => [LOC + SCALE * rng.normal(), LOC + SCALE * rng.normal()]);
  const nll = (flow: Flow, x: number[][]) => {
    const lp = flow.logProb(x);
    const v = -tf.tidy(() => tf.mean(lp).dataSync()[0]);
    lp.dispose();
    return v;
  };
  // Exact NLL of the true density, for reference: H = log(2π σ²) + 1 per 2-D point.
  const trueNll = Math.log(2 * Math.PI * SCALE * SCALE) + 1;
  const runs: Record<string, unknown>[] = [];
  for (const seed of [1, 2, 3]) {
    const rng = new Rng(`overfit:${seed}`);
    const train = draw(rng, 16);
    const test = draw(rng, 20000);
    const row: Record<string, unknown> = { seed };
    for (const e of ['reparam', 'fastPath'] as const) {
      const flow = realNVP({ dim: 2, layers: 3, hidden: [64, 64], seed });
      await fit(flow, train, {
        steps: 500, batchSize: 16, learningRate: 1e-3, seed, standardize: false, progress: false,
        ...(e === 'fastPath' ? { gradientEstimator: 'fastPath' as const, logTarget } : {}),
      });
      const trainNll = nll(flow, train);
      const testNll = nll(flow, test);
      row[e] = { trainNll: round(trainNll), testNll: round(testNll), gap: round(testNll - trainNll) };
      flow.dispose();
    }
    runs.push(row);
    console.error('overfitting', JSON.stringify(row));
  }
  const gaps = (e: string) => runs.map((r) => (r[e] as { gap: number }).gap);
  const meanOf = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  results.overfitting = {
    setup: '16 points from N((0.2, 0.2), 0.25 I), realNVP 3 couplings hidden [64, 64], 500 full-batch Adam steps at 1e-3, no standardisation',
    trueDensityNll: round(trueNll),
    runs,
    meanGap: { reparam: round(meanOf(gaps('reparam'))), fastPath: round(meanOf(gaps('fastPath'))) },
    gapRatio: round(meanOf(gaps('fastPath')) / meanOf(gaps('reparam')), 6),
    perSeedGapRatio: runs.map((_, i) => round(gaps('fastPath')[i] / gaps('reparam')[i], 6)),
    target: 'gapRatio ≤ 0.5',
  };
}

if (want('planarRadial')) {
  const energy = energies.u1;
  const steps = quick ? 300 : 1000;
  const out = [];
  for (const [name, build] of [
    ['planar32', () => planarFlow({ dim: 2, layers: 32, seed: 0 })],
    ['radial32', () => radialFlow({ dim: 2, layers: 32, seed: 0 })],
  ] as const) {
    for (const e of ['reparam', 'fastPath'] as const) {
      const flow = build();
      const t0 = performance.now();
      const h = await fitToTarget(flow, energy.logDensity, { steps, samplesPerStep: 256, learningRate: 5e-3, annealSteps: Math.floor(steps / 2), gradientEstimator: e, seed: 1, progress: false });
      const seconds = (performance.now() - t0) / 1000;
      const { samples, logProb } = flow.sampleAndLogProb(20000, { seed: 2 });
      const gap = tf.tidy(() => tf.mean(tf.sub(logProb, energy.logDensity(samples))).dataSync()[0]);
      tf.dispose([samples, logProb]);
      out.push({ flow: name, estimator: e, steps, reverseKl: round(gap + energy.logZ), stepsPerSecond: round(steps / seconds, 1), notes: h.notes ?? [] });
      flow.dispose();
      console.error('planarRadial', JSON.stringify(out.at(-1)));
    }
  }
  results.planarRadial = { energy: 'u1', runs: out };
}

console.log(JSON.stringify(results, null, 2));
