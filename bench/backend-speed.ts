/**
 * Speed on a chosen backend (issue 18), printing JSON: `npm run bench -- --backend webgpu` (or
 * `tsx bench/backend-speed.ts --backend webgpu`; `--quick` for a short run, `--no-sweep` / `--no-configs`
 * to skip either part; `--batches 256,1024 --widths 64,256` to choose the sweep's cells).
 *
 * - `configs`: training steps/s (the step `fit` runs, timed between `onStep` calls after warm-up, so
 *   the setup of `fit` is not counted) and `logProb` throughput (points/s, one `await data()` per
 *   call) for the 2-D configurations of issue 8 (RealNVP-8 and NSF-4, hidden [64, 64], batch 256)
 *   and wider ones (MAF d 8 H 256 and RealNVP d 32 H 256, batch 512).
 * - `sweep`: steps/s of a MAF (d 8, 2 layers, two hidden layers of width W) over batch × width on the
 *   chosen backend and on wasm in the same process, and where the chosen backend overtakes wasm
 *   (`crossover`: the cells where its rate is higher). The adapter is whatever is present: on a
 *   machine without a GPU, WebGPU runs on SwiftShader (a CPU), so wasm wins everywhere there.
 *
 * In Node, WebGPU needs the `webgpu` package and a Vulkan driver: see docs/backends.md (without a GPU:
 * `VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json LD_LIBRARY_PATH=/usr/lib/chromium`).
 */
import os from 'node:os';
import {
  type BackendName, BACKENDS, type FitData, type Flow, Rng, backendName, datasets, fit, maskedAutoregressiveFlow, neuralSplineFlow, ready, realNVP, tf,
} from '../src/index.js';

const argv = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
};
const quick = argv.includes('--quick');
const sweep = !argv.includes('--no-sweep');
const withConfigs = !argv.includes('--no-configs');
const requested = arg('--backend');
if (requested !== undefined && !(BACKENDS as readonly string[]).includes(requested)) {
  console.error(`--backend must be one of ${BACKENDS.join(', ')}; got ${requested}`);
  process.exit(2);
}

const WARMUP = quick ? 2 : 3;
const TIMED = quick ? 3 : 10;
const LOGPROB_POINTS = quick ? 4096 : 32768;

interface Config { name: string; dim: number; batch: number; build: () => Flow }
const CONFIGS: Config[] = [
  { name: 'realNVP-8 2-D H64', dim: 2, batch: 256, build: () => realNVP({ dim: 2, layers: 8, hidden: [64, 64], seed: 1 }) },
  { name: 'NSF-4 2-D H64', dim: 2, batch: 256, build: () => neuralSplineFlow({ dim: 2, layers: 4, bins: 8, tailBound: 5, hidden: [64, 64], seed: 1 }) },
  { name: 'MAF-5 d8 H256', dim: 8, batch: 512, build: () => maskedAutoregressiveFlow({ dim: 8, layers: 5, hidden: [256, 256], seed: 1 }) },
  { name: 'realNVP-8 d32 H256', dim: 32, batch: 512, build: () => realNVP({ dim: 32, layers: 8, hidden: [256, 256], activation: 'relu', seed: 1 }) },
];

function gaussianRows(n: number, dim: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from(rng.normals(n * dim), (z, i) => z * (1 + 0.1 * (i % dim)));
}

/** Training steps per second of `fit` on `flow`: `TIMED` steps after `WARMUP`, timed by `onStep`. */
async function stepsPerSecond(flow: Flow, data: FitData, batch: number, timed = TIMED): Promise<number> {
  let t0 = 0;
  let t1 = 0;
  await fit(flow, data, {
    steps: WARMUP + timed, batchSize: batch, seed: 1, progress: false, standardize: false,
    onStep: (s) => {
      if (s.step === WARMUP) t0 = performance.now();
      if (s.step === WARMUP + timed) t1 = performance.now();
    },
  });
  return timed / ((t1 - t0) / 1000);
}

/** `logProb` points per second: the best of three calls after a warm-up, each read with `await data()`. */
async function logProbRate(flow: Flow, x: tf.Tensor2D): Promise<number> {
  let best = Infinity;
  for (let r = 0; r < 4; r++) {
    const t0 = performance.now();
    const lp = flow.logProb(x);
    await lp.data();
    lp.dispose();
    if (r > 0) best = Math.min(best, performance.now() - t0);
  }
  return x.shape[0] / (best / 1000);
}

const round = (v: number, digits = 3) => Number(v.toPrecision(digits));

async function main(): Promise<void> {
  const name = await ready(requested ? { backend: requested as BackendName } : {});
  const info = (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string; description?: string } }).adapterInfo;
  const out: Record<string, unknown> = {
    backend: backendName(),
    adapter: info ? `${info.vendor ?? ''} ${info.architecture ?? ''} ${info.description ?? ''}`.trim() : null,
    quick,
    cpus: os.cpus().length,
  };
  const configs: Record<string, unknown>[] = [];
  for (const c of withConfigs ? CONFIGS : []) {
    const flow = c.build();
    const data = c.dim === 2 ? datasets.moons(4096, { seed: 1 }) : tf.tensor2d(gaussianRows(4096, c.dim, 1), [4096, c.dim]);
    const steps = await stepsPerSecond(flow, data, c.batch);
    data.dispose();
    const x = tf.tensor2d(gaussianRows(LOGPROB_POINTS, c.dim, 2), [LOGPROB_POINTS, c.dim]);
    const lp = await logProbRate(flow, x);
    x.dispose();
    flow.dispose();
    configs.push({ name: c.name, batch: c.batch, stepsPerSecond: round(steps), logProbPointsPerSecond: round(lp) });
    console.error(`${name} ${c.name}: ${round(steps)} steps/s, logProb ${round(lp)} points/s`);
  }
  out.configs = configs;

  if (sweep && name !== 'wasm') {
    const list = (v: string | undefined, fallback: number[]) => (v ? v.split(',').map(Number) : fallback);
    const batches = list(arg('--batches'), quick ? [256, 2048] : [256, 1024, 4096]);
    const widths = list(arg('--widths'), quick ? [64, 512] : [64, 256, 1024]);
    const cells: { batch: number; width: number; [backend: string]: number }[] = [];
    for (const batch of batches) {
      for (const width of widths) cells.push({ batch, width });
    }
    // One backend at a time (flows are rebuilt per backend: tensors never move between them).
    for (const b of [name, 'wasm'] as BackendName[]) {
      await ready({ backend: b });
      for (const cell of cells) {
        const flow = maskedAutoregressiveFlow({ dim: 8, layers: 2, hidden: [cell.width, cell.width], seed: 1 });
        const rows = gaussianRows(Math.max(4 * cell.batch, 4096), 8, 3);
        cell[b] = round(await stepsPerSecond(flow, { data: rows, shape: [rows.length / 8, 8] }, cell.batch, quick ? 2 : 5));
        flow.dispose();
        console.error(`sweep ${b} batch ${cell.batch} width ${cell.width}: ${cell[b]} steps/s`);
      }
    }
    out.sweep = { flow: 'MAF d 8, 2 layers, hidden [W, W]', unit: 'steps/s', cells };
    out.crossover = cells.filter((c) => c[name] > c.wasm).map((c) => ({ batch: c.batch, width: c.width, ratio: round(c[name] / c.wasm) }));
  }
  console.log(JSON.stringify(out, null, 2));
}

await main();
// Dawn keeps the process alive while its device exists.
process.exit(0);
