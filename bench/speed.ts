/**
 * Speed benchmark of issue 8: RealNVP-8 and NSF-4 (hidden [64, 64]) on two moons, batch 256, Adam.
 * Run: `npm run bench` (backend from TFJS_FLOWS_BACKEND, default wasm here). Prints JSON.
 * `npm run bench -- --backend webgpu` runs bench/backend-speed.ts on that backend instead.
 * `npm run bench -- --wide` runs the wide benchmark instead (bench/wide.ts, also `npm run bench:wide`).
 *
 * - Training steps/s: the very step `fit` runs (`fit` is called for a fixed number of steps per timed
 *   block, progress off), median over blocks after warm-up, for these variants: the tape with the
 *   stock `tf.train.adam` (`stock`), the tape with the fused Adam (`fused`), the tape-free step
 *   with the fused Adam and the WebAssembly SIMD kernels off (`tapeFreeNoSimd`) and on (`tapeFree`,
 *   what `fit` runs by default, with the relaxed-SIMD module where the engine has it; `tapeFreeBaselineSimd`
 *   the same with the plain SIMD module; `tapeFreeLayers` the default with the whole-chain kernel off);
 *   blocks of the variants alternate, in rotating order, so that load from other processes hits all
 *   alike. `wall` is elapsed time; `loop` the training loop's own time (without the worker's start);
 *   `cpu` is this process's user+system time (all threads), which contention inflates far less.
 *   `trainingTwoThreads`: one thread against `fit({ threads: 2 })` in long alternating runs, at batch
 *   256 and 1024 (see `longRunRates`). `loadAverage` is the machine's at
 *   the end: other processes may hold the second core.
 * - `adamUpdateMs`: one optimiser update over all the flow's variables, alone, per Adam variant.
 * - `logProb` and `sample` of 100,000 points: median seconds of 5 runs after a warm-up call, with the
 *   evaluation worker (`logProbSeconds`/`sampleSeconds`: the Node entry's `evaluateLogProb` /
 *   `evaluateSample` with `threads: 2`) and, in `evaluation`, side by side with one thread
 *   (`flow.logProb` / `flow.sample`, threads 1); each is the better of two alternating rounds.
 * - FLOPs per training step: matMul FLOPs only, 2·m·n·k per dense layer forward, ×3 for forward and
 *   backward; with the fraction of a plain 256×64 @ 64×64 matMul's throughput measured in this run.
 * - The reference figures are those of the issue (PyTorch/nflows, one thread, measured on this machine
 *   class), not measured in this run; the ratios divide this run's figures by them.
 */
import { readFileSync } from 'node:fs';
import { enableRelaxedSimd } from '../src/kernels/simd/enable-relaxed-simd.js';
import os from 'node:os';
import { adam } from '../src/train/optimizer.js';
import { setRelaxedSimdEnabled, setSimdKernelsEnabled, simdVariant } from '../src/kernels/simd/simd-kernels.js';
import { setFusedChainEnabled } from '../src/engine/fused-chain.js';
import { type Flow, Rng, backendName, datasets, enginePath, fit, neuralSplineFlow, ready, realNVP, tf } from '../src/index.js';
import { evaluateLogProb, evaluateSample, evaluationThreadsReady } from '../src/node.js';

const BATCH = 256;
const STEPS_PER_BLOCK = Number(process.env.BENCH_STEPS ?? 40);
const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 5);
const WARMUP_STEPS = 15;
const POINTS = 100_000;

const REFERENCE = {
  source: 'issue 8: PyTorch 1.13 + nflows, one thread, measured on this machine class (not in this run)',
  realNVP: { stepsPerSecond: [270, 360] },
  nsf: { stepsPerSecond: [190, 240] },
  logProbSeconds: 0.18,
  sampleSeconds: 0.17,
  targetStepsRatio: 1.25,
};

const CONFIGS = {
  realNVP: () => realNVP({ dim: 2, layers: 8, hidden: [64, 64], seed: 1 }),
  nsf: () => neuralSplineFlow({ dim: 2, layers: 4, bins: 8, tailBound: 5, hidden: [64, 64], seed: 1 }),
} as const;

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const round = (x: number, digits = 3) => Number(x.toPrecision(digits));

let peakRss = 0;
const sampleRss = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));

/** Peak resident memory of the process in bytes (VmHWM on Linux, else the largest sampled rss). */
function peakResident(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return sampleRss();
}

/** Matmul FLOPs of one forward pass at batch `BATCH`: 2·B·in·out per dense kernel `[in, out]`. */
function forwardFlops(flow: Flow): number {
  return flow.weights
    .filter((w) => w.name.endsWith('/kernel') && w.variable.rank === 2)
    .reduce((sum, w) => {
      const [inputs, outputs] = w.variable.shape as [number, number];
      return sum + 2 * BATCH * inputs * outputs;
    }, 0);
}

/** GFLOP/s of a plain `[256, 64] @ [64, 64]` matMul, op dispatch included (median of blocks). */
function matMulGflops(): number {
  const rng = new Rng(1);
  const a = tf.tensor2d(rng.normals(256 * 64), [256, 64]);
  const b = tf.tensor2d(rng.normals(64 * 64), [64, 64]);
  const reps = 2000;
  const rates: number[] = [];
  for (let block = 0; block < 6; block++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) tf.matMul(a, b).dispose();
    const s = (performance.now() - t0) / 1000;
    if (block > 0) rates.push((2 * 256 * 64 * 64 * reps) / s / 1e9);
  }
  tf.dispose([a, b]);
  return median(rates);
}

interface Rate {
  wall: number;
  /** Steps per second of the training loop alone (`history.wallTime`). */
  loop: number;
  cpu: number;
}

/** The training variants timed side by side: optimiser and gradient path. */
const VARIANTS = {
  stock: { fused: false, gradientPath: 'tape', simd: true, relaxed: true, chain: true, threads: 1 },
  fused: { fused: true, gradientPath: 'tape', simd: true, relaxed: true, chain: true, threads: 1 },
  tapeFreeNoSimd: { fused: true, gradientPath: 'auto', simd: false, relaxed: true, chain: true, threads: 1 },
  tapeFreeBaselineSimd: { fused: true, gradientPath: 'auto', simd: true, relaxed: false, chain: true, threads: 1 },
  tapeFreeLayers: { fused: true, gradientPath: 'auto', simd: true, relaxed: true, chain: false, threads: 1 },
  tapeFree: { fused: true, gradientPath: 'auto', simd: true, relaxed: true, chain: true, threads: 1 },
} as const;
type Variant = keyof typeof VARIANTS;

/**
 * Steps/s of `fit` on `flows` (one per variant), blocks interleaved (the order rotates per block).
 * `loop` times the training loop alone (`history.wallTime`).
 */
async function trainingRates<V extends Variant>(x: tf.Tensor2D, flows: Record<V, Flow>, batchSize = BATCH): Promise<Record<V, Rate>> {
  const run = async (name: V, flow: Flow, steps: number) => {
    const { fused, gradientPath, simd, relaxed, chain, threads } = VARIANTS[name];
    setSimdKernelsEnabled(simd);
    setRelaxedSimdEnabled(relaxed);
    setFusedChainEnabled(chain);
    const h = await fit(flow, x, { steps, batchSize, progress: false, seed: 3, adam: { fused }, gradientPath, threads });
    setSimdKernelsEnabled(true);
    setRelaxedSimdEnabled(true);
    setFusedChainEnabled(true);
    sampleRss();
    return h.wallTime;
  };
  const variants = Object.entries(flows) as [V, Flow][];
  for (const [name, flow] of variants) await run(name, flow, WARMUP_STEPS);
  const wall: Record<string, number[]> = {};
  const loop: Record<string, number[]> = {};
  const cpu: Record<string, number[]> = {};
  for (let b = 0; b < BLOCKS; b++) {
    const order = variants.map((_, i) => variants[(i + b) % variants.length]);
    for (const [name, flow] of order) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const loopSeconds = await run(name, flow, STEPS_PER_BLOCK);
      const c = process.cpuUsage(c0);
      (wall[name] ??= []).push(STEPS_PER_BLOCK / ((performance.now() - t0) / 1000));
      (loop[name] ??= []).push(STEPS_PER_BLOCK / loopSeconds);
      (cpu[name] ??= []).push(STEPS_PER_BLOCK / ((c.user + c.system) / 1e6));
    }
  }
  return Object.fromEntries(variants.map(([name]) => [name, { wall: round(median(wall[name])), loop: round(median(loop[name])), cpu: round(median(cpu[name])) }])) as Record<V, Rate>;
}

const LONG_WARMUP = Number(process.env.BENCH_LONG_WARMUP ?? 300);

/**
 * `fit` with one thread and with `threads: 2` in long runs, alternating (two runs each): steps/s of
 * each block of `STEPS_PER_BLOCK` steps after `LONG_WARMUP` steps, timed from `onStep`, median over
 * blocks and runs. Long runs because each `fit({ threads: 2 })` starts a fresh worker whose
 * JavaScript is cold for its first few hundred steps, as in any real run's first second.
 */
async function longRunRates(x: tf.Tensor2D, make: () => Flow, batchSize: number): Promise<{ oneThread: number; twoThreads: number; ratio: number }> {
  const rates: Record<1 | 2, number[]> = { 1: [], 2: [] };
  for (let run = 0; run < 2; run++) {
    for (const threads of [1, 2] as const) {
      const flow = make();
      const stamps: number[] = [];
      const onStep = ({ step }: { step: number }) => {
        if (step >= LONG_WARMUP && (step - LONG_WARMUP) % STEPS_PER_BLOCK === 0) stamps.push(performance.now());
      };
      await fit(flow, x, { steps: LONG_WARMUP + BLOCKS * STEPS_PER_BLOCK, batchSize, progress: false, seed: 3, threads, onStep });
      for (let i = 1; i < stamps.length; i++) rates[threads].push(STEPS_PER_BLOCK / ((stamps[i] - stamps[i - 1]) / 1000));
      flow.dispose();
      sampleRss();
    }
  }
  const [one, two] = [round(median(rates[1])), round(median(rates[2]))];
  return { oneThread: one, twoThreads: two, ratio: round(two / one) };
}

/** Milliseconds per `applyGradients` over all of `flow`'s trainable variables, per Adam variant (median of blocks). */
function adamUpdateMs(flow: Flow): Record<'stock' | 'fused', number> {
  const vars = flow.trainableVariables;
  const saved = vars.map((v) => tf.clone(v));
  const rng = new Rng(4);
  const grads = vars.map((v) => tf.tensor(rng.normals(v.size).map((g) => g * 1e-3), v.shape));
  const out = {} as Record<'stock' | 'fused', number>;
  for (const variant of ['stock', 'fused'] as const) {
    const opt = adam({ fused: variant === 'fused' });
    const times: number[] = [];
    for (let b = 0; b < 6; b++) {
      const t0 = performance.now();
      for (let i = 0; i < 50; i++) opt.applyGradients(vars, grads, 1e-3);
      if (b > 0) times.push((performance.now() - t0) / 50);
    }
    opt.dispose();
    out[variant] = round(median(times));
  }
  tf.tidy(() => vars.forEach((v, i) => v.assign(saved[i])));
  tf.dispose([...saved, ...grads]);
  return out;
}

const EVAL_RUNS = Number(process.env.BENCH_EVAL_RUNS ?? 5);

/**
 * Steady-state seconds of `f` (which returns a tensor, read back to force the computation): one
 * warm-up call first (it grows the wasm heap and packs the matMul weights), then the median of
 * `EVAL_RUNS` calls.
 */
function seconds(f: () => tf.Tensor): number {
  tf.dispose(f());
  const times: number[] = [];
  for (let i = 0; i < EVAL_RUNS; i++) {
    const t0 = performance.now();
    const out = f();
    out.dataSync();
    times.push((performance.now() - t0) / 1000);
    out.dispose();
    sampleRss();
  }
  return round(median(times));
}

async function main() {
  // `npm run bench -- --wide [options]`: the wide benchmark of issue 16 instead (bench/wide.ts, its own options).
  if (process.argv.includes('--wide')) {
    await import('./wide.js');
    return;
  }
  // Node 20 has relaxed SIMD behind a flag, Node 22 and later by default: time what current Node runs.
  enableRelaxedSimd();
  await ready();
  const tensorsBefore = tf.memory().numTensors;
  const gflops = matMulGflops();
  const x = datasets.moons(10_000, { seed: 1 });
  const points = datasets.moons(POINTS, { seed: 2 });
  const results: Record<string, unknown> = {};
  for (const [name, make] of Object.entries(CONFIGS)) {
    const flows = { stock: make(), fused: make(), tapeFreeNoSimd: make(), tapeFreeBaselineSimd: make(), tapeFreeLayers: make(), tapeFree: make() };
    const rates = await trainingRates(x, flows);
    // The second core: long runs (the worker's JIT warms up like a real run's), at 256 and at 1024.
    const trainingTwoThreads = { batch256: await longRunRates(x, make, BATCH), batch1024: await longRunRates(x, make, 1024) };
    const flow = flows.tapeFree;
    // With the evaluation worker (the Node entry's evaluateLogProb / evaluateSample, the worker started
    // ahead so that it is ready) and on one thread (flow.logProb / flow.sample), timed in alternation
    // so that outside load hits both alike.
    const evalWorker = await evaluationThreadsReady();
    const oneThread = { logProb: [] as number[], sample: [] as number[] };
    const twoThreads = { logProb: [] as number[], sample: [] as number[] };
    for (let round = 0; round < 2; round++) {
      for (const [threads, into] of [[1, oneThread], [2, twoThreads]] as const) {
        into.logProb.push(seconds(() => evaluateLogProb(flow, points, { threads })));
        into.sample.push(seconds(() => evaluateSample(flow, POINTS, { seed: 5, threads })));
      }
    }
    const logProbSeconds = Math.min(...twoThreads.logProb);
    const sampleSeconds = Math.min(...twoThreads.sample);
    const evaluation = {
      evalWorker,
      logProbSeconds: { twoThreads: logProbSeconds, oneThread: Math.min(...oneThread.logProb) },
      sampleSeconds: { twoThreads: sampleSeconds, oneThread: Math.min(...oneThread.sample) },
    };
    const adamMs = adamUpdateMs(flow);
    const flopsPerStep = 3 * forwardFlops(flow);
    const ref = REFERENCE[name as keyof typeof CONFIGS].stepsPerSecond;
    // The one-thread variants: the reference ran on one thread.
    const best = Object.values(rates).reduce((a, b) => (b.wall > a.wall ? b : a));
    results[name] = {
      // Which engine path fit's default step took (engine/select.ts), and why.
      enginePath: enginePath(flow, { batchSize: BATCH }),
      stepsPerSecond: rates,
      fusedOverStock: { wall: round(rates.fused.wall / rates.stock.wall), cpu: round(rates.fused.cpu / rates.stock.cpu) },
      tapeFreeOverTape: { wall: round(rates.tapeFree.wall / rates.fused.wall), cpu: round(rates.tapeFree.cpu / rates.fused.cpu) },
      simdOverNoSimd: { wall: round(rates.tapeFree.wall / rates.tapeFreeNoSimd.wall), cpu: round(rates.tapeFree.cpu / rates.tapeFreeNoSimd.cpu) },
      trainingTwoThreads,
      msPerStep: Object.fromEntries(Object.entries(rates).map(([k, r]) => [k, round(1000 / r.wall)])),
      relaxedOverBaselineSimd: { wall: round(rates.tapeFree.wall / rates.tapeFreeBaselineSimd.wall), cpu: round(rates.tapeFree.cpu / rates.tapeFreeBaselineSimd.cpu) },
      chainOverLayers: { wall: round(rates.tapeFree.wall / rates.tapeFreeLayers.wall), cpu: round(rates.tapeFree.cpu / rates.tapeFreeLayers.cpu) },
      adamUpdateMs: adamMs,
      parameters: flow.trainableVariables.reduce((n, v) => n + v.size, 0),
      logProbSeconds,
      sampleSeconds,
      evaluation,
      flopsPerStep,
      matMulFractionReached: round((flopsPerStep * best.wall) / (gflops * 1e9)),
      ratioToReference: {
        stepsPerSecond: [round(best.wall / ref[1]), round(best.wall / ref[0])],
        // Per CPU second of this process: closer to what an unloaded machine gives when others compete.
        stepsPerCpuSecond: [round(best.cpu / ref[1]), round(best.cpu / ref[0])],
        logProbThroughput: round(REFERENCE.logProbSeconds / logProbSeconds),
        sampleThroughput: round(REFERENCE.sampleSeconds / sampleSeconds),
      },
    };
    Object.values(flows).forEach((f) => f.dispose());
  }
  tf.dispose([x, points]);
  console.log(JSON.stringify({
    backend: backendName(),
    simdModule: simdVariant(),
    batchSize: BATCH,
    blocks: { count: BLOCKS, stepsPerBlock: STEPS_PER_BLOCK, warmupSteps: WARMUP_STEPS },
    matMulGflopsPerSecond: round(gflops),
    results,
    peakResidentBytes: peakResident(),
    tensors: { before: tensorsBefore, after: tf.memory().numTensors },
    // Other processes (another helper's benchmarks or tests) compete for the two cores.
    loadAverage: os.loadavg().map((l) => round(l)),
    cores: os.cpus().length,
    reference: REFERENCE,
    notes: 'stepsPerSecond: median over blocks of fit() steps (wall: elapsed; cpu: per CPU second of this process): stock = tape + tf.train.adam, fused = tape + fused Adam, tapeFreeNoSimd = tape-free step + fused Adam with the WebAssembly SIMD kernels off (JavaScript kernels and wasm matMul), tapeFreeBaselineSimd = the same with them on but the plain (not relaxed) SIMD module, tapeFreeLayers = the default but with the whole-chain kernel off (two fused kernels per coupling, the loss as ops), tapeFree = the default (relaxed-SIMD module where the engine has it: simdModule). trainingTwoThreads: steps/s of fit with one thread and with threads: 2 in long alternating runs (blocks after a warm-up, timed from onStep). loop: steps per second of the training loop alone (history.wallTime). ratioToReference.stepsPerSecond is [vs reference high, vs reference low] with the fastest one-thread variant; logProb/sample throughput ratios are reference seconds / our seconds.',
  }, null, 2));
}

// `--backend <name>` (e.g. `npm run bench -- --backend webgpu`): the backend-generic benchmark instead
// (bench/backend-speed.ts: steps/s, logProb throughput and the batch × width sweep against wasm).
if (process.argv.some((a) => a === '--backend' || a.startsWith('--backend='))) {
  await import('./backend-speed.js');
} else {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
