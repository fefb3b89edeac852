/**
 * The wide benchmark of issue 16: five flows beyond 2-D (and the two 2-D flows of issue 8), ours
 * against a PyTorch reference of the same architecture in the same run. Run: `npm run bench:wide --
 * [options]` (or `npm run bench -- --wide`). Prints JSON on stdout (a Markdown table and progress on
 * stderr). See docs/engine-benchmark.md.
 *
 *   maf-d8        MAF, d 8, 5 layers, hidden [256, 256]
 *   nsf-ar-d8     autoregressive NSF, d 8, 5 layers, 8 bins, tail bound 3, hidden [256, 256]
 *   nsf-c-d8      coupling NSF, d 8, 5 layers, 8 bins, tail bound 3, hidden [256, 256]
 *   realnvp-d32   affine couplings, d 32, 8 layers, hidden [256, 256]
 *   maf-d43       MAF, d 43, 5 layers, hidden [512, 512]
 *   realnvp-moons RealNVP-8, hidden [64, 64], two moons, batch 256 (issue 8's 2-D target)
 *   nsf-moons     NSF-4, 8 bins, B 5, hidden [64, 64], two moons, batch 256 (issue 8's 2-D target)
 *
 * Data: a standardised 10-component Gaussian mixture in d dimensions (bench/reference/gmm-data.ts,
 * 20,000 rows, seeded), written as CSV for the reference so that both sides use the same rows (moons:
 * the quality benchmark's points, bench/reference/export-moons.ts).
 * Training: the library's `fit` (the path a user gets: standardisation, the engine's path, fused
 * Adam), batch 512, Adam 1e-3, steps/s as the median of timed blocks after a warm-up (timed from
 * `onStep` within one `fit` call), also per CPU second of the process. `logProb` of 100,000 rows (the
 * data tiled) and `sample` of 10,000 rows (moons: 100,000), on freshly built flows, after a small
 * warm-up call, the best of `evalRuns` runs, the result read back.
 *
 * Every measurement of ours runs in its own child process (train, logProb, sample per config), so
 * that a crash of the wasm runtime (maf-d43's `sample(10000)` aborted it before the memory work) is
 * reported as `{ "error": … }` and the bench goes on. The reference (bench/reference/nflows_wide.py,
 * on /usr/bin/python3 with Debian's python3-torch and OpenBLAS) runs right after ours for each
 * config; without torch it is skipped with a note.
 *
 * Per config: `ours`, `reference` (per metric the best over `--reference-threads`; `byThreads` has
 * each), `ratio` (train: our steps/s ÷ reference's; logProb, sample: reference seconds ÷ ours, so
 * > 1 is faster than the reference everywhere; each also per CPU second), `path` (the engine's
 * `enginePath(flow)`: `fused-2d`, `tape-free` or `tape`; `pathReason` says why), `gemmFraction` = (dense
 * FLOPs per training step × steps per CPU second) ÷ the GEMM throughput per CPU second measured in
 * the same process (a `[512, 256] · [256, 256]` product: `tf.matMul` and the library's SIMD GEMM, the
 * faster) and `trainCeilingAtGemm` (the train ratio at GEMM fraction 1). Dense FLOPs: 2·B·in·out per
 * dense kernel (masked ones counted dense), ×3 for forward and backward.
 *
 * Options:
 *   --configs maf-d8,nsf-c-d8   subset (default all seven)
 *   --threads 1,2               our thread settings (fit's `threads`, the Node entry's evaluate*; default 1); the faster is reported
 *   --quick                     short timings and smaller logProb/sample sizes (a smoke run)
 *   --no-reference              ours only
 *   --reference-threads 1,2     thread settings of the reference (default 1: faster on this machine)
 *   --nflows-made               reference MADE with nflows' extra H×H layer (num_blocks=2 quirk)
 *   --timeout <s>               per child process (default 900)
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { evaluateLogProb, evaluateSample } from '../src/node.js';
import { enableRelaxedSimd } from '../src/kernels/simd/enable-relaxed-simd.js';
import { simdVariant } from '../src/kernels/simd/simd-kernels.js';
import { type Flow, Rng, backendName, datasets, enginePath, fit, maskedAutoregressiveFlow, neuralSplineFlow, ready, realNVP, tf } from '../src/index.js';
import { QUALITY_DATA } from './quality-config.js';
import { GMM_ROWS, gaussianMixtureRows, gmmCsvPath, writeGmmCsv } from './reference/gmm-data.js';

const LEARNING_RATE = 1e-3;
const PYTHON = '/usr/bin/python3';
const REFERENCE_SCRIPT = fileURLToPath(new URL('./reference/nflows_wide.py', import.meta.url));
const DATA_DIR = 'out/reference';

interface WideConfig {
  dim: number;
  /** `gmm` (default): the mixture of gmm-data.ts; `moons`: the quality benchmark's two moons (20,000 points, seed 1, noise 0.05). */
  data?: 'gmm' | 'moons';
  /** The 2-D regression guard of issue 8: batch 256, longer blocks (fast steps), sample as many rows as logProb. */
  moons?: boolean;
  description: string;
  make: () => Flow;
  /** How our builder's flow differs from the reference's (beyond the shared conventions in `notes`). */
  differences: string;
}

const COUPLING_DIFFERENCE =
  "masks: ours halfMask (first ⌈d/2⌉ columns condition the rest, then the other way round) with the builder's seeded random permutation before every second coupling (the default a user gets); reference: nflows' alternating even/odd masks, no permutation. Same conditioner sizes (d/2 → H → H → d/2·params).";

const CONFIGS: Record<string, WideConfig> = {
  'maf-d8': {
    dim: 8,
    description: 'MAF, d 8, 5 layers, H 256',
    make: () => maskedAutoregressiveFlow({ dim: 8, layers: 5, hidden: [256, 256], seed: 1 }),
    differences: 'none beyond the shared notes (same MADE degrees and masks, reversal between layers, exp(3 tanh(s/3)) scale).',
  },
  'nsf-ar-d8': {
    dim: 8,
    description: 'autoregressive NSF, d 8, 5 layers, 8 bins, B 3, H 256',
    make: () => neuralSplineFlow({ dim: 8, layers: 5, bins: 8, tailBound: 3, hidden: [256, 256], autoregressive: true, seed: 1 }),
    differences: "the reference divides the spline's unnormalised widths and heights by sqrt(H) (nflows' MADE convention); ours does not (no cost difference).",
  },
  'nsf-c-d8': {
    dim: 8,
    description: 'coupling NSF, d 8, 5 layers, 8 bins, B 3, H 256',
    make: () => neuralSplineFlow({ dim: 8, layers: 5, bins: 8, tailBound: 3, hidden: [256, 256], seed: 1 }),
    differences: COUPLING_DIFFERENCE,
  },
  'realnvp-d32': {
    dim: 32,
    description: 'affine coupling (RealNVP), d 32, 8 layers, H 256',
    make: () => realNVP({ dim: 32, layers: 8, hidden: [256, 256], activation: 'relu', seed: 1 }),
    differences: COUPLING_DIFFERENCE,
  },
  'maf-d43': {
    dim: 43,
    description: 'MAF, d 43, 5 layers, H 512',
    make: () => maskedAutoregressiveFlow({ dim: 43, layers: 5, hidden: [512, 512], activation: 'relu', seed: 1 }),
    differences: 'none beyond the shared notes.',
  },
  // The 2-D targets of issue 8 (must stay met): the flows of bench/speed.ts against bench/reference/nflows_moons.py's.
  'realnvp-moons': {
    dim: 2,
    data: 'moons',
    moons: true,
    description: 'RealNVP-8 on two moons, H 64 (issue 8), batch 256',
    make: () => realNVP({ dim: 2, layers: 8, hidden: [64, 64], seed: 1 }),
    differences: 'the reference is bench/reference/nflows_moons.py\'s (same masks and scale).',
  },
  'nsf-moons': {
    dim: 2,
    data: 'moons',
    moons: true,
    description: 'NSF-4 (coupling, 8 bins, B 5) on two moons, H 64 (issue 8), batch 256',
    make: () => neuralSplineFlow({ dim: 2, layers: 4, bins: 8, tailBound: 5, hidden: [64, 64], seed: 1 }),
    differences: 'the reference is bench/reference/nflows_moons.py\'s.',
  },
};

/** The configs run by default: the five of issue 16 and the two 2-D ones of issue 8. */
const DEFAULT_CONFIGS = Object.keys(CONFIGS);

interface Settings {
  batch: number;
  warmup: number;
  blocks: number;
  block: number;
  logProbRows: number;
  sampleRows: number;
  evalRuns: number;
}

const FULL: Settings = { batch: 512, warmup: 10, blocks: 5, block: 20, logProbRows: 100_000, sampleRows: 10_000, evalRuns: 4 };
const QUICK: Settings = { batch: 512, warmup: 3, blocks: 3, block: 5, logProbRows: 10_000, sampleRows: 1_000, evalRuns: 1 };

/** A config's settings: the moons ones train at batch 256 in 10× longer blocks and sample as many rows as they evaluate. */
function settingsFor(config: WideConfig, s: Settings): Settings {
  return config.moons ? { ...s, batch: 256, warmup: 10 * s.warmup, block: 10 * s.block, sampleRows: s.logProbRows } : s;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const round = (x: number, digits = 3) => Number(x.toPrecision(digits));
const log = (msg: string) => process.stderr.write(`[wide] ${msg}\n`);

// ---------------------------------------------------------------------------------------------
// Child process: one measurement of ours.

type Phase = 'train' | 'logProb' | 'sample';

interface GemmRate {
  wall: number;
  cpu: number;
}

/** GFLOP per wall second and per CPU second of `product` (one `[512, 256] · [256, 256]` product), median of blocks, dispatch included. */
function timeGemm(product: () => tf.Tensor): GemmRate {
  const reps = 200;
  const rates: number[] = [];
  const cpuRates: number[] = [];
  const flops = 2 * 512 * 256 * 256 * reps;
  for (let block = 0; block < 6; block++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) product().dispose();
    const s = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    if (block > 0) {
      rates.push(flops / s / 1e9);
      cpuRates.push(flops / ((c.user + c.system) / 1e6) / 1e9);
    }
  }
  return { wall: median(rates), cpu: median(cpuRates) };
}

/**
 * The SIMD GEMM throughput on the current backend: a `[512, 256] · [256, 256]` `tf.matMul`, and the
 * library's own SIMD GEMM kernel (`gemmNNSimd`, where it runs); `best` is the faster per CPU second.
 */
async function gemmGflops(): Promise<{ matMul: GemmRate; librarySimd: GemmRate | null; best: GemmRate & { kernel: string } }> {
  const rng = new Rng(1);
  const a = tf.tensor2d(rng.normals(512 * 256), [512, 256]);
  const b = tf.tensor2d(rng.normals(256 * 256), [256, 256]);
  const matMul = timeGemm(() => tf.matMul(a, b));
  let librarySimd: GemmRate | null = null;
  // Imported defensively: the kernel's module may move while the engine work goes on.
  const ops = await import('../src/kernels/simd/simd-ops.js').catch(() => null);
  const probe = ops?.gemmNNSimd?.(a, b, null, false) ?? null;
  if (probe && ops) {
    probe.dispose();
    librarySimd = timeGemm(() => ops.gemmNNSimd(a, b, null, false) as tf.Tensor);
  }
  tf.dispose([a, b]);
  const best = librarySimd && librarySimd.cpu > matMul.cpu ? { ...librarySimd, kernel: 'gemmNNSimd' } : { ...matMul, kernel: 'tf.matMul' };
  return { matMul: roundRate(matMul), librarySimd: librarySimd && roundRate(librarySimd), best: { ...best, wall: round(best.wall), cpu: round(best.cpu) } };
}

const roundRate = (r: GemmRate): GemmRate => ({ wall: round(r.wall), cpu: round(r.cpu) });

/** Dense FLOPs of one training step at batch `batch`: 3 × 2·B·in·out per dense kernel `[in, out]`. */
function flopsPerStep(flow: Flow, batch: number): number {
  return 3 * flow.weights
    .filter((w) => w.name.endsWith('/kernel') && w.variable.rank === 2)
    .reduce((sum, w) => sum + 2 * batch * (w.variable.shape[0] as number) * (w.variable.shape[1] as number), 0);
}

/** The config's training rows (row-major). */
function baseRows(config: WideConfig): Float32Array {
  if (config.data !== 'moons') return gaussianMixtureRows(GMM_ROWS, config.dim);
  const x = datasets.moons(QUALITY_DATA.nTrain, { seed: QUALITY_DATA.trainSeed, noise: QUALITY_DATA.noise });
  const rows = x.dataSync() as Float32Array;
  x.dispose();
  return rows;
}

/** `rows` rows: the config's training rows, tiled. */
function dataTensor(config: WideConfig, rows: number): tf.Tensor2D {
  const dim = config.dim;
  const base = baseRows(config);
  const out = new Float32Array(rows * dim);
  for (let k = 0; k < out.length; k += base.length) out.set(base.subarray(0, Math.min(base.length, out.length - k)), k);
  return tf.tensor2d(out, [rows, dim]);
}

async function child(name: string, phase: Phase, settings: Settings, threads: 1 | 2): Promise<Record<string, unknown>> {
  // What current Node runs (relaxed SIMD is on by default from Node 22), as bench/speed.ts.
  enableRelaxedSimd();
  await ready();
  const config = CONFIGS[name];
  const s = settingsFor(config, settings);
  const flow = config.make();
  if (phase === 'train') {
    const gemms = await gemmGflops();
    const gemm = gemms.best;
    const x = dataTensor(config, GMM_ROWS);
    const stamps: number[] = [];
    const cpu: number[] = [];
    const onStep = ({ step }: { step: number }) => {
      if (step >= s.warmup && (step - s.warmup) % s.block === 0) {
        stamps.push(performance.now());
        const c = process.cpuUsage();
        cpu.push((c.user + c.system) / 1e6);
      }
    };
    const history = await fit(flow, x, { steps: s.warmup + s.blocks * s.block, batchSize: s.batch, learningRate: LEARNING_RATE, progress: false, seed: 3, onStep, threads });
    const rates = stamps.slice(1).map((t, i) => s.block / ((t - stamps[i]) / 1000));
    const cpuRates = cpu.slice(1).map((t, i) => s.block / (t - cpu[i]));
    const path = enginePath(flow, { batchSize: s.batch });
    const flops = flopsPerStep(flow, s.batch);
    const stepsPerSecond = median(rates);
    const stepsPerCpuSecond = median(cpuRates);
    x.dispose();
    return {
      stepsPerSecond: round(stepsPerSecond),
      stepsPerCpuSecond: round(stepsPerCpuSecond),
      path: path.path,
      pathReason: path.layer ? `${path.reason} (${path.layer})` : path.reason,
      flopsPerStep: flops,
      gemmGflopsPerSecond: round(gemm.wall),
      gemmGflopsPerCpuSecond: round(gemm.cpu),
      gemmKernel: gemm.kernel,
      gemmGflops: { matMul: gemms.matMul, librarySimd: gemms.librarySimd },
      // Per CPU second on both sides: a momentary wall-time GEMM figure moves with other processes' load.
      gemmFraction: round((flops * stepsPerCpuSecond) / (gemm.cpu * 1e9)),
      gemmFractionWall: round((flops * stepsPerSecond) / (gemm.wall * 1e9)),
      parameters: flow.trainableVariables.reduce((n, v) => n + v.size, 0),
      lastLoss: round(history.loss[history.loss.length - 1], 5),
    };
  }
  const times: number[] = [];
  const cpuTimes: number[] = [];
  const timed = (f: () => tf.Tensor) => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const out = f();
    out.dataSync();
    times.push((performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    cpuTimes.push((c.user + c.system) / 1e6);
    out.dispose();
  };
  if (phase === 'logProb') {
    const x = dataTensor(config, s.logProbRows);
    // The warm-up takes the timed path (with two threads: the worker too) on 2,048 rows, enough to be split.
    const warm = tf.slice(x, [0, 0], [2048, config.dim]) as tf.Tensor2D;
    tf.dispose(threads === 2 ? evaluateLogProb(flow, warm, { threads }) : flow.logProb(warm));
    for (let r = 0; r < s.evalRuns; r++) timed(() => (threads === 2 ? evaluateLogProb(flow, x, { threads }) : flow.logProb(x)));
    tf.dispose([x, warm]);
  } else {
    tf.dispose(threads === 2 ? evaluateSample(flow, 2048, { seed: 4, threads }) : flow.sample(2048, { seed: 4 }));
    for (let r = 0; r < s.evalRuns; r++) timed(() => (threads === 2 ? evaluateSample(flow, s.sampleRows, { seed: 5 + r, threads }) : flow.sample(s.sampleRows, { seed: 5 + r })));
  }
  return { seconds: round(Math.min(...times)), cpuSeconds: round(Math.min(...cpuTimes)), rows: phase === 'logProb' ? s.logProbRows : s.sampleRows };
}

// ---------------------------------------------------------------------------------------------
// Parent: spawn the children and the reference, collect, compare.

interface RunResult {
  json: Record<string, unknown> | null;
  error?: string;
}

let running: ChildProcess | null = null;

/** Run `cmd args`, parse the last stdout line as JSON; any failure (exit code, signal, timeout, bad JSON) → `error`. */
function run(cmd: string, args: string[], timeoutSeconds: number, env: NodeJS.ProcessEnv = process.env): Promise<RunResult> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    running = p;
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      p.kill('SIGKILL');
    }, timeoutSeconds * 1000);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      running = null;
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0) {
        try {
          resolve({ json: JSON.parse(last) });
          return;
        } catch {
          // fall through: report it
        }
      }
      const lines = `${err}\n${out}`.split('\n').map((l) => l.trim()).filter((l) => l !== '');
      // The error's own line (a stack trace's last lines only name frames), then the last lines.
      const cause = lines.find((l) => /^[\w.]*Error\b|Aborted\(\)/.test(l)) ?? lines.find((l) => /error|abort|out of memory|fatal|exception/i.test(l) && !l.startsWith('at '));
      const tail = [...(cause ? [cause] : []), ...lines.slice(-3)].join(' | ').slice(0, 800);
      const why = timedOut ? `timed out after ${timeoutSeconds} s` : signal ? `killed by ${signal}` : `exit code ${code}`;
      resolve({ json: null, error: `${why}: ${tail}` });
    });
  });
}

function torchAvailable(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? null : `PyTorch not importable by ${PYTHON} (apt-get install python3-torch): ${(r.stderr ?? '').trim().split('\n').pop()}`;
}

function parseArgs(argv: string[]) {
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const configs = (get('--configs') ?? DEFAULT_CONFIGS.join(',')).split(',').filter((c) => c !== '');
  for (const c of configs) if (!(c in CONFIGS)) throw new Error(`--configs: unknown ${c}; one of ${Object.keys(CONFIGS).join(', ')}`);
  const threads = (get('--reference-threads') ?? '1').split(',').map(Number);
  if (threads.some((t) => !Number.isInteger(t) || t < 1)) throw new Error('--reference-threads: positive integers, e.g. 1,2');
  const ourThreads = (get('--threads') ?? '1').split(',').map(Number);
  if (ourThreads.some((t) => t !== 1 && t !== 2)) throw new Error('--threads: 1, 2 or 1,2');
  return {
    configs,
    quick: argv.includes('--quick'),
    reference: !argv.includes('--no-reference'),
    threads,
    ourThreads: ourThreads as (1 | 2)[],
    nflowsMade: argv.includes('--nflows-made'),
    timeout: Number(get('--timeout') ?? 900),
    child: get('--child'),
    phase: get('--phase') as Phase | undefined,
  };
}

const ratio = (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' && a > 0 && b > 0 ? round(a / b) : null);

async function parent(o: ReturnType<typeof parseArgs>): Promise<void> {
  const s = o.quick ? QUICK : FULL;
  const self = fileURLToPath(import.meta.url);
  const nodeArgs = process.execArgv.length > 0 ? process.execArgv : ['--import', 'tsx'];
  const noTorch = o.reference ? torchAvailable() : 'skipped (--no-reference)';
  if (noTorch) log(`reference: ${noTorch}`);
  const results: Record<string, unknown> = {};
  const table: string[] = [];
  for (const name of o.configs) {
    const config = CONFIGS[name];
    const cs = settingsFor(config, s);
    const ours: Record<string, unknown> = {};
    const ourByThreads: Record<string, Record<string, unknown>> = {};
    for (const phase of ['train', 'logProb', 'sample'] as const) {
      for (const t of o.ourThreads) {
        log(`${name}: ours ${phase}, ${t} thread(s)`);
        const r = await run(process.execPath, [...nodeArgs, self, '--child', name, '--phase', phase, '--our-threads', String(t), ...(o.quick ? ['--quick'] : [])], o.timeout);
        (ourByThreads[t] ??= {})[phase] = r.json ?? { error: r.error };
      }
      // The faster thread setting per phase (wall time: a second thread's CPU time counts in the process's).
      const candidates = o.ourThreads.map((t) => ({ t, r: ourByThreads[t][phase] as Record<string, unknown> })).filter((c) => c.r.error === undefined);
      const key = phase === 'train' ? 'stepsPerSecond' : 'seconds';
      const pick = candidates.reduce<(typeof candidates)[number] | null>((acc, c) => (acc === null || (phase === 'train' ? (c.r[key] as number) > (acc.r[key] as number) : (c.r[key] as number) < (acc.r[key] as number)) ? c : acc), null);
      ours[phase] = pick ? { ...pick.r, threads: pick.t } : ourByThreads[o.ourThreads[0]][phase];
    }
    if (o.ourThreads.length > 1) ours.byThreads = ourByThreads;
    let reference: Record<string, unknown> = { skipped: noTorch };
    if (!noTorch) {
      const csv = config.data === 'moons' ? join(DATA_DIR, 'moons-train.csv') : gmmCsvPath(DATA_DIR, config.dim);
      if (!existsSync(csv)) {
        if (config.data === 'moons') await run(process.execPath, [...nodeArgs, fileURLToPath(new URL('./reference/export-moons.ts', import.meta.url)), DATA_DIR], o.timeout);
        else writeGmmCsv(DATA_DIR, config.dim, gaussianMixtureRows(GMM_ROWS, config.dim));
      }
      const byThreads: Record<string, unknown> = {};
      for (const t of o.threads) {
        log(`${name}: reference, ${t} thread(s)`);
        const args = [REFERENCE_SCRIPT, '--config', name, '--data', csv, '--threads', String(t), '--batch', String(cs.batch), '--warmup', String(cs.warmup), '--blocks', String(cs.blocks), '--block', String(cs.block), '--logprob-rows', String(cs.logProbRows), '--sample-rows', String(cs.sampleRows), '--eval-runs', String(cs.evalRuns), ...(o.nflowsMade ? ['--nflows-made'] : [])];
        const r = await run(PYTHON, args, o.timeout);
        byThreads[t] = r.json ?? { error: r.error };
      }
      const ok = Object.entries(byThreads).filter(([, v]) => (v as { error?: string }).error === undefined) as [string, Record<string, number>][];
      const best = (key: string, better: (a: number, b: number) => boolean) =>
        ok.reduce<[string, number] | null>((acc, [t, v]) => (typeof v[key] === 'number' && (acc === null || better(v[key], acc[1])) ? [t, v[key]] : acc), null);
      const steps = best('stepsPerSecond', (a, b) => a > b);
      const stepsCpu = best('stepsPerCpuSecond', (a, b) => a > b);
      const lp = best('logProbSeconds', (a, b) => a < b);
      const sm = best('sampleSeconds', (a, b) => a < b);
      const lpCpu = best('logProbCpuSeconds', (a, b) => a < b);
      const smCpu = best('sampleCpuSeconds', (a, b) => a < b);
      reference = {
        stepsPerSecond: steps ? round(steps[1]) : null,
        stepsPerCpuSecond: stepsCpu ? round(stepsCpu[1]) : null,
        logProbSeconds: lp ? round(lp[1]) : null,
        sampleSeconds: sm ? round(sm[1]) : null,
        logProbCpuSeconds: lpCpu ? round(lpCpu[1]) : null,
        sampleCpuSeconds: smCpu ? round(smCpu[1]) : null,
        fasterThreads: { train: steps?.[0] ?? null, logProb: lp?.[0] ?? null, sample: sm?.[0] ?? null },
        byThreads,
      };
    }
    const train = ours.train as Record<string, unknown>;
    const lpSec = (ours.logProb as { seconds?: number }).seconds;
    const smSec = (ours.sample as { seconds?: number }).seconds;
    const lpCpu = (ours.logProb as { cpuSeconds?: number }).cpuSeconds;
    const smCpu = (ours.sample as { cpuSeconds?: number }).cpuSeconds;
    const r = {
      train: ratio(train.stepsPerSecond, reference.stepsPerSecond),
      trainPerCpuSecond: ratio(train.stepsPerCpuSecond, reference.stepsPerCpuSecond),
      logProb: ratio(reference.logProbSeconds, lpSec),
      sample: ratio(reference.sampleSeconds, smSec),
      logProbPerCpuSecond: ratio(reference.logProbCpuSeconds, lpCpu),
      samplePerCpuSecond: ratio(reference.sampleCpuSeconds, smCpu),
    };
    results[name] = {
      description: config.description,
      differences: config.differences,
      path: train.path ?? null,
      gemmFraction: train.gemmFraction ?? null,
      // The train ratio (per CPU second) ours would reach running every dense FLOP at the measured GEMM rate.
      trainCeilingAtGemm: typeof train.gemmGflopsPerCpuSecond === 'number' && typeof train.flopsPerStep === 'number' ? ratio((train.gemmGflopsPerCpuSecond * 1e9) / train.flopsPerStep, reference.stepsPerCpuSecond) : null,
      // Dense GFLOP per CPU second the reference's training step reaches (its BLAS, one core).
      referenceGflopsPerCpuSecond: typeof train.flopsPerStep === 'number' && typeof reference.stepsPerCpuSecond === 'number' ? round((train.flopsPerStep * reference.stepsPerCpuSecond) / 1e9) : null,
      ours: { stepsPerSecond: train.stepsPerSecond ?? null, stepsPerCpuSecond: train.stepsPerCpuSecond ?? null, logProbSeconds: lpSec ?? null, sampleSeconds: smSec ?? null, ...ours },
      reference,
      ratio: r,
    };
    const cell = (v: unknown, suffix = '') => (typeof v === 'number' ? `${v}${suffix}` : '—');
    const pathName = typeof train.path === 'string' ? train.path : '—';
    table.push(`| ${name} | ${config.description} | ${pathName} | ${cell(train.stepsPerSecond)} | ${cell(reference.stepsPerSecond)} | ${cell(r.train, '×')} (${cell(r.trainPerCpuSecond, '×')}) | ${cell(lpSec)} / ${cell(reference.logProbSeconds)} | ${cell(r.logProb, '×')} (${cell(r.logProbPerCpuSecond, '×')}) | ${smSec !== undefined ? smSec : 'error'} / ${cell(reference.sampleSeconds)} | ${cell(r.sample, '×')} (${cell(r.samplePerCpuSecond, '×')}) | ${cell(train.gemmFraction)} |`);
    log(`${name}: ${JSON.stringify(results[name])}`);
  }
  process.stderr.write(
    `\n| config | flow | path | ours steps/s | ref steps/s | train (per CPU s) | logProb s ours / ref | logProb (per CPU s) | sample s ours / ref | sample (per CPU s) | GEMM fraction |\n|---|---|---|---|---|---|---|---|---|---|---|\n${table.join('\n')}\n\nlogProb of ${s.logProbRows} rows, sample of ${s.sampleRows} rows, batch ${s.batch} (moons: sample of ${s.logProbRows} rows, batch 256).\n\n`,
  );
  console.log(JSON.stringify({
    bench: 'wide (issue 16)',
    backend: await childBackend(nodeArgs, self),
    node: process.version,
    quick: o.quick,
    settings: { learningRate: LEARNING_RATE, trainRows: GMM_ROWS, ...s, moons: settingsFor(CONFIGS['realnvp-moons'], s) },
    referenceThreads: o.threads,
    results,
    loadAverage: os.loadavg().map((l) => round(l)),
    cores: os.cpus().length,
    notes: [
      'ratio.trainPerCpuSecond compares steps per CPU second of each process (user + system, all its threads): far less affected than wall time when other processes hold the cores (this machine is shared), and equal to it for a one-thread process on an idle core. With more than one reference thread it counts every thread.',
      'ratio.train = our steps/s ÷ reference steps/s; ratio.logProb and ratio.sample = reference seconds ÷ our seconds (> 1: faster than the reference). The reference figure is the best over referenceThreads per metric.',
      "Shared conventions: ReLU conditioners with two hidden layers of width H; MADE degrees as nflows' (inputs 1…d, hidden cycling 1…d−1, outputs grouped per feature); reversal between autoregressive layers; standard normal base; affine scale exp(3 tanh(s/3)); splines with linear tails, min bin width/height/derivative 1e-3, applied on the density path (nflows' forward).",
      "Initialisation differs (no cost effect): ours starts every layer at the identity (zero last layer), the reference uses PyTorch's defaults. `fit` standardises the (already standardised) data: a frozen affine map, part of the step.",
      'logProb and sample time freshly built flows on both sides (as bench/reference/nflows_moons.py), after a warm-up call; the best of settings.evalRuns.',
      'Each of our measurements runs in a child process: an `error` entry is a crash (e.g. the wasm runtime aborting), a timeout or an exception, with the tail of its output.',
      'gemmFraction = flopsPerStep × stepsPerCpuSecond ÷ gemmGflopsPerCpuSecond (a [512,256]·[256,256] product measured in the training child with tf.matMul and with the library\'s SIMD GEMM kernel gemmNNSimd, the faster of the two (gemmKernel; both in gemmGflops), per CPU second: robust to other processes\' load); gemmFractionWall the same per wall second.',
      'trainCeilingAtGemm = (gemmGflopsPerCpuSecond / flopsPerStep) ÷ reference stepsPerCpuSecond: the per-CPU-second train ratio if our whole step ran at the measured GEMM rate (gemmFraction 1); referenceGflopsPerCpuSecond: the dense FLOP rate the reference step reaches.',
      'logProbPerCpuSecond / samplePerCpuSecond: reference CPU seconds ÷ ours; our evaluation runs on one thread (Flow.logProb and sample use no worker).',
    ],
  }, null, 2));
}

/** Backend and SIMD module as a child sees them (the parent does not load the backend). */
async function childBackend(nodeArgs: string[], self: string): Promise<unknown> {
  const r = await run(process.execPath, [...nodeArgs, self, '--backend-info'], 120);
  return r.json ?? { error: r.error };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--backend-info')) {
    enableRelaxedSimd();
    await ready();
    console.log(JSON.stringify({ name: backendName(), simdModule: simdVariant() }));
    return;
  }
  const o = parseArgs(argv);
  if (o.child) {
    if (!(o.child in CONFIGS) || !['train', 'logProb', 'sample'].includes(o.phase ?? '')) throw new Error('--child <config> --phase train|logProb|sample');
    const out = await child(o.child, o.phase as Phase, o.quick ? QUICK : FULL, (Number(argv[argv.indexOf('--our-threads') + 1]) === 2 ? 2 : 1));
    console.log(JSON.stringify(out));
    // The evaluation worker would keep the process alive.
    process.exit(0);
  }
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      running?.kill('SIGKILL');
      process.exit(130);
    });
  }
  await parent(o);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
