/**
 * Micro-benchmark of the rational-quadratic spline: fused kernel vs op-composed path, forward and
 * forward+backward (gradients w.r.t. inputs and all parameters), 8 bins, batch 256 × dim 1 and 2.
 * Run: `npx tsx bench/rq-spline.ts` (backend from TFJS_FLOWS_BACKEND, default wasm here). Prints JSON.
 * Times are medians over timed blocks after warm-up, in microseconds per call: `wall` (elapsed) and
 * `cpu` (this process's user+system CPU time, which contention from other processes inflates far
 * less than elapsed time on a shared machine).
 */
import os from 'node:os';
import { Rng, ready, tf } from '../src/index.js';
import { type SplinePath, rqSplineWithPath } from '../src/transformers/rq-spline.js';
import { SplineTransformer } from '../src/transformers/rq-spline-transformer.js';

const BINS = 8;
const BLOCKS = 7;
const BLOCK_MS = 60;

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

interface Timing {
  wall: number;
  cpu: number;
}

/** Median µs per call of `f` (which returns tensors to dispose), elapsed and CPU. */
function time(f: () => tf.TensorContainer): Timing {
  const run = () => tf.dispose(f());
  for (let i = 0; i < 20; i++) run(); // warm-up (JIT, kernel caches)
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) run();
    if (performance.now() - t0 > BLOCK_MS / 4) break;
    reps *= 2;
  }
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let b = 0; b < BLOCKS; b++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) run();
    const c = process.cpuUsage(c0);
    wall.push(((performance.now() - t0) * 1000) / reps);
    cpu.push((c.user + c.system) / reps);
  }
  return { wall: round(median(wall)), cpu: round(median(cpu)) };
}

const compare = (fused: Timing, ops: Timing) => ({
  fused,
  ops,
  speedupWall: round(ops.wall / fused.wall),
  speedupCpu: round(ops.cpu / fused.cpu),
});

async function main() {
  await ready();
  const rng = new Rng('bench-rq-spline');
  const rows: Record<string, unknown>[] = [];
  for (const dim of [1, 2]) {
    const batch = 256;
    const n = batch * dim;
    const draw = (m: number, sd: number) => Float32Array.from({ length: m }, () => sd * rng.normal());
    const x = tf.tensor2d(draw(n, 1.5), [batch, dim]);
    const w = tf.tensor3d(draw(n * BINS, 1), [batch, dim, BINS]);
    const h = tf.tensor3d(draw(n * BINS, 1), [batch, dim, BINS]);
    const d = tf.tensor3d(draw(n * (BINS - 1), 1), [batch, dim, BINS - 1]);
    const packed = tf.concat([w, h, d], 2) as tf.Tensor3D;
    const opts = { tailBound: 3 };
    const forward = (path: SplinePath) => () => rqSplineWithPath(path, x, w, h, d, opts);
    const backward = (path: SplinePath) => () =>
      tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, e: tf.Tensor) => {
        const r = rqSplineWithPath(path, a, b, c, e, opts);
        return tf.add(tf.sum(r.outputs), tf.sum(r.logDet));
      })([x, w, h, d]);
    const transformer = new SplineTransformer({ bins: BINS, tailBound: 3 });
    const packedBackward = () =>
      tf.grads((a: tf.Tensor, p: tf.Tensor) => {
        const r = transformer.forward(a as tf.Tensor2D, p as tf.Tensor3D);
        return tf.add(tf.sum(r.output), tf.sum(r.logDet));
      })([x, packed]);
    rows.push({
      shape: [batch, dim],
      bins: BINS,
      forwardUs: compare(time(forward('fused')), time(forward('ops'))),
      forwardBackwardUs: compare(time(backward('fused')), time(backward('ops'))),
      transformerPackedForwardBackwardUs: time(packedBackward),
    });
    tf.dispose([x, w, h, d, packed]);
  }
  const result = {
    backend: tf.getBackend(),
    tfjs: tf.version_core,
    unit: 'microseconds per call (median of blocks)',
    loadAverage1m: os.loadavg()[0],
    cpus: os.cpus().length,
    results: rows,
    tensorsLeft: tf.memory().numTensors,
  };
  console.log(JSON.stringify(result, null, 2));
}

const round = (v: number) => Math.round(v * 10) / 10;

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
