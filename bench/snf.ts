/**
 * Issue 19's measurements (JSON on stdout; progress on stderr):
 *
 * 1. The double well of Wu, Köhler & Noé (2020) by their protocol: RealNVP of 3 blocks (2 affine couplings
 *    each, 64-64 conditioners); a stochastic flow puts 20 Metropolis steps of size 0.25 after each block, on
 *    the energies interpolated at λ = 1/3, 2/3, 1; the plain flow has none. Both: ML on 10,000 exact samples
 *    (300 steps), then ½ML + ½KL (300 steps), batch 128, Adam 5e-3. Per seed and model: the free-energy
 *    profile of x₁ (30 bins on (−2.25, 2.25)) from R = 20 independent weighted batches of 100,000 samples, scored
 *    by the paper's statistic (`freeEnergyProfileError`: √(bias² + std²), as its notebook computes them);
 *    log Z and P(x₁ < 0) from all the weights.
 * 2. Neal's funnel in 10-D: a RealNVP trained by `fitToTarget`, then flow HMC against plain HMC with the same
 *    tuning (dual averaging to 0.8, 10 leapfrog steps) and the same number of gradient evaluations: bulk ESS
 *    of x₀ per gradient evaluation, and x₀'s mean and variance against 0 and 9 in Monte Carlo standard errors.
 *
 *     nice -n 10 npx tsx bench/snf.ts [--quick] [--seeds 5 | --seed-list 0,1] [--reps 20] [--per-rep 100000] [--only doubleWell|funnel]
 */
import {
  DOUBLE_WELL_LEFT_MASS, MetropolisBlock, backendName, coordinate, doubleWellFreeEnergy, energies, essBulk, fitToTarget, flowHMC, freeEnergyProfile, freeEnergyProfileError,
  hmc, interleaveBlocks, ready, realNVP, sampleDoubleWell, summarizeScalar, tf, trainStochasticFlow,
} from '../src/index.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const opt = (name: string, fallback: string) => (args.indexOf(name) >= 0 ? args[args.indexOf(name) + 1] : fallback);
const seeds = Number(opt('--seeds', quick ? '1' : '5'));
// `--seed-list 3,4` runs only those seeds (to spread the double-well runs over processes).
const seedList = opt('--seed-list', '').split(',').filter(Boolean).map(Number);
const only = opt('--only', 'all');
const log = (...a: unknown[]) => console.error(...a);

await ready();

/**
 * The SNF paper's statistic (`freeEnergyProfileError`) and, for comparison with earlier runs, a
 * stricter one that squares the bias per bin: √(mean over bins of bias² + variance), each profile
 * aligned to the truth by its mean offset over the bins it fills.
 */
function profileErrors(profiles: number[][], truth: number[]) {
  const meanOver = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  let emptyBinDraws = 0;
  for (const f of profiles) emptyBinDraws += f.filter((v) => !Number.isFinite(v)).length;
  let sq = 0;
  let counted = 0;
  const aligned = profiles.map((f) => {
    const shift = meanOver(f.map((v, k) => v - truth[k]).filter(Number.isFinite));
    return f.map((v) => v - shift);
  });
  for (let k = 0; k < truth.length; k++) {
    const vals = aligned.map((f) => f[k]).filter(Number.isFinite);
    if (vals.length === 0) continue;
    const m = meanOver(vals);
    const variance = vals.length > 1 ? vals.reduce((a, b) => a + (b - m) ** 2, 0) / (vals.length - 1) : 0;
    sq += (m - truth[k]) ** 2 + variance;
    counted++;
  }
  return { paper: freeEnergyProfileError(profiles, truth), rms: Math.sqrt(sq / counted), emptyBinDraws };
}
const out: Record<string, unknown> = { backend: backendName(), quick };

// ---------------------------------------------------------------- double well
if (only === 'all' || only === 'doubleWell') {
  const steps = quick ? 20 : 300;
  const reps = Number(opt('--reps', quick ? '2' : '20'));
  const perRep = Number(opt('--per-rep', quick ? '1000' : '100000'));
  const target = energies.doubleWell;
  // λ of the block after group k of 3: `even` k/3 (1/3, 2/3, 1); `paper` as the paper's code, k−1 over 2 between
  // blocks and the target at the end (0, 1/2, 1).
  const lambdas = opt('--lambdas', 'even');
  const lambdaAt = (lambda: number, k: number) => (lambdas === 'paper' && k < 3 ? (k - 1) / 2 : lambda);
  const kinds = opt('--kinds', 'metropolis,none').split(',') as ('metropolis' | 'none')[];
  const runs = [];
  for (const seed of seedList.length ? seedList : Array.from({ length: seeds }, (_, i) => i)) {
    const data = sampleDoubleWell(10000, `data:${seed}`);
    const row: Record<string, unknown> = { seed };
    for (const kind of kinds) {
      const t0 = performance.now();
      const snf = interleaveBlocks(realNVP({ dim: 2, layers: 6, hidden: [64, 64], seed }), target.logDensity, {
        groups: 3,
        block: (lambda, k) => (kind === 'none' ? null : new MetropolisBlock({ lambda: lambdaAt(lambda, k), steps: 20, stepSize: 0.25 })),
      });
      await trainStochasticFlow(snf, { data, steps, batchSize: 128, learningRate: 5e-3, seed: `ml:${seed}`, progress: false });
      await trainStochasticFlow(snf, { data, mlWeight: 0.5, klWeight: 0.5, steps, batchSize: 128, learningRate: 5e-3, seed: `mix:${seed}`, progress: false });
      const trainSeconds = (performance.now() - t0) / 1000;
      const profiles: number[][] = [];
      const allLogW: number[] = [];
      let left = 0;
      let total = 0;
      let edges: number[] = [];
      const allX1: number[] = [];
      for (let r = 0; r < reps; r++) {
        const res = snf.sampleWithWeights(perRep, { seed: `eval:${seed}:${r}` });
        const v = res.samples.dataSync();
        res.samples.dispose();
        const x1 = Array.from({ length: perRep }, (_, i) => v[2 * i]);
        for (const x of x1) allX1.push(x);
        const p = freeEnergyProfile(x1, res.weights, { bins: 30, range: [-2.25, 2.25] });
        edges = p.edges;
        profiles.push(p.freeEnergy);
        for (const l of res.logWeights) allLogW.push(l);
      }
      // log Z and P(x₁ < 0) from all reps' weights together.
      const maxW = allLogW.reduce((a, b) => Math.max(a, b), -Infinity);
      const w = allLogW.map((l) => Math.exp(l - maxW));
      const sumW = w.reduce((a, b) => a + b, 0);
      const n = w.length;
      const meanW = sumW / n;
      const sdW = Math.sqrt(w.reduce((a, b) => a + (b - meanW) ** 2, 0) / (n - 1));
      const logZ = maxW + Math.log(meanW);
      allX1.forEach((x, i) => {
        total += w[i];
        if (x < 0) left += w[i];
      });
      const errors = profileErrors(profiles, doubleWellFreeEnergy(edges));
      row[kind] = {
        profileError: errors.paper.error, profileBias: errors.paper.bias, profileStd: errors.paper.std,
        profileRmsError: errors.rms, emptyBinDraws: errors.emptyBinDraws, logZ, logZStdErr: sdW / Math.sqrt(n) / meanW, logZError: logZ - target.logZ,
        leftMass: left / total, leftMassError: left / total - DOUBLE_WELL_LEFT_MASS, essFraction: sumW ** 2 / w.reduce((a, b) => a + b * b, 0) / n, trainSeconds,
      };
      log(`doubleWell seed ${seed} ${kind}`, JSON.stringify(row[kind]));
      snf.dispose();
    }
    data.dispose();
    runs.push(row);
  }
  type Scored = { profileError: number } | undefined;
  const better = runs.filter((r) => (r.metropolis as Scored) && (r.none as Scored) && (r.metropolis as Scored)!.profileError < (r.none as Scored)!.profileError).length;
  out.doubleWell = { protocol: { steps, reps, perRep, seeds }, runs, metropolisBetterIn: better };
}

// ---------------------------------------------------------------- funnel
if (only === 'all' || only === 'funnel') {
  const dim = 10;
  // log p(x) = log N(x₀; 0, 3²) + Σᵢ log N(xᵢ; 0, e^{x₀}), up to constants.
  const logTarget = (x: tf.Tensor2D) =>
    tf.tidy(() => {
      const x0 = tf.reshape(tf.slice(x, [0, 0], [-1, 1]), [-1]);
      const rest = tf.slice(x, [0, 1], [-1, dim - 1]);
      return tf.sub(tf.sub(tf.mul(-1 / 18, tf.square(x0)), tf.mul(0.5 * (dim - 1), x0)), tf.mul(0.5, tf.mul(tf.exp(tf.neg(x0)), tf.sum(tf.square(rest), 1)))) as tf.Tensor1D;
    });
  const flow = realNVP({ dim, layers: 8, hidden: [64, 64], activation: 'relu', seed: 0 });
  const t0 = performance.now();
  const trainSteps = quick ? 50 : 3000;
  await fitToTarget(flow, logTarget, { steps: trainSteps, samplesPerStep: 256, learningRate: 1e-3, annealSteps: Math.floor(trainSteps / 3), clipNorm: 100, seed: 1, progress: false });
  const trainSeconds = (performance.now() - t0) / 1000;
  const settings = { samples: quick ? 100 : 2000, warmup: quick ? 50 : 500, chains: 8, leapfrogSteps: 10, targetAcceptance: 0.8, stepSize: 0.1 };
  const report = (r: { chains: Float32Array[]; dim: number; samplesPerChain: number; acceptanceRate: number; gradientEvaluations: number; stepSize: number }, seconds: number) => {
    const x0 = coordinate(r as never, 0);
    const s = summarizeScalar(x0);
    // The variance of x₀ and its MCSE, from the chains of (x₀ − mean)².
    const sqDev = x0.map((c) => c.map((v) => (v - s.mean) ** 2));
    const v = summarizeScalar(sqDev);
    return {
      acceptanceRate: r.acceptanceRate, stepSize: r.stepSize, gradientEvaluations: r.gradientEvaluations, seconds,
      essBulkX0: s.essBulk, essPerGradient: s.essBulk / r.gradientEvaluations, rhatX0: s.rhat,
      meanX0: s.mean, meanX0InMcse: s.mean / s.mcse, varX0: v.mean, varX0InMcse: (v.mean - 9) / v.mcse, essTailX0: s.essTail, essSquaredDeviation: essBulk(sqDev),
    };
  };
  let t = performance.now();
  const plain = report(hmc(logTarget, dim, { ...settings, seed: 2 }), (performance.now() - t) / 1000);
  log('funnel plain HMC', JSON.stringify(plain));
  t = performance.now();
  const viaFlow = report(flowHMC(flow, logTarget, { ...settings, seed: 2 }), (performance.now() - t) / 1000);
  log('funnel flow HMC', JSON.stringify(viaFlow));
  out.funnel = { dim, trainSteps, trainSeconds, settings, plain, flow: viaFlow, essPerGradientRatio: viaFlow.essPerGradient / plain.essPerGradient };
  flow.dispose();
}

console.log(JSON.stringify(out, null, 2));
