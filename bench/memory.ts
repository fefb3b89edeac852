/**
 * Bounded memory of evaluation (issue 16, "Memory"), on maf-d43: MAF, 43 dimensions, 5 layers, MADE
 * hidden [512, 512] (untrained, seeded; the cost does not depend on the weights). Each case runs in
 * its own child process, so that its peak resident memory (`VmHWM`) is its own:
 *
 * - `logProb1M`: `flow.logProb` of 1,000,000 rows (target: completes, peak RSS under 2 GB);
 * - `sample10k`: `flow.sample(10000)` (it aborted the wasm runtime before; its time is reported);
 * - `sampleTooMany`: `flow.sample(30,000,000)`, whose samples alone exceed the 4 GiB wasm heap:
 *   must throw `OutOfMemoryError` before allocating;
 * - `allocationFailure`: the wasm heap filled with raw allocations the up-front check cannot see (as
 *   C++ scratch space would be) to within 16 MiB, then `logProb` of 100,000 rows, which runs out
 *   mid-call: must throw `OutOfMemoryError`, leave no tensor behind, and the same call must complete
 *   once the ballast is freed. It peaks near 4.3 GB resident (skip with `BENCH_MEMORY_SKIP_OOM=1`).
 *
 * Run: `nice -n 10 npm run bench:memory` (several minutes: the 1M-row logProb is about 3 TFLOP).
 * Prints one JSON object.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { OutOfMemoryError, maskedAutoregressiveFlow, ready, tf } from '../src/index.js';
import { guardWasmAllocations } from '../src/kernels/wasm-heap.js';

const DIM = 43;
const ROWS = Number(process.env.BENCH_MEMORY_ROWS ?? 1_000_000);

/** Peak resident set size of this process so far, in MB (Linux `VmHWM`). */
function peakRssMb(): number {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
  return line ? Math.round(Number(line.split(/\s+/)[1]) / 1024) : NaN;
}

function makeFlow() {
  return maskedAutoregressiveFlow({ dim: DIM, layers: 5, hidden: [512, 512], activation: 'relu', seed: 0 });
}

/** Rows of data in the flow's range, made on the backend in pieces (no 172 MB JavaScript array). */
function rows(n: number): tf.Tensor2D {
  return tf.tidy(() => tf.mul(tf.randomNormal([n, DIM], 0, 1, 'float32', 1), 1.5) as tf.Tensor2D);
}

/** `f`'s value, wall seconds and CPU seconds of this process (the machine is shared: CPU time is steadier). */
function timed<T>(f: () => T): { value: T; seconds: number; cpuSeconds: number } {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const value = f();
  const c = process.cpuUsage(c0);
  return { value, seconds: Math.round((performance.now() - t0) / 10) / 100, cpuSeconds: Math.round((c.user + c.system) / 1e4) / 100 };
}

const cases: Record<string, () => Record<string, unknown>> = {
  logProb1M() {
    const flow = makeFlow();
    const x = rows(ROWS);
    const { value: lp, seconds, cpuSeconds } = timed(() => {
      const out = flow.logProb(x);
      out.dataSync();
      return out;
    });
    const v = lp.dataSync();
    let finite = 0;
    for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i])) finite++;
    tf.dispose([lp, x]);
    flow.dispose();
    return { rows: ROWS, seconds, cpuSeconds, finite, tensorsLeft: tf.memory().numTensors };
  },
  sample10k() {
    const flow = makeFlow();
    const { value: s, seconds, cpuSeconds } = timed(() => {
      const out = flow.sample(10_000, { seed: 1 });
      out.dataSync();
      return out;
    });
    const finite = (s.dataSync() as Float32Array).every(Number.isFinite);
    s.dispose();
    flow.dispose();
    return { rows: 10_000, seconds, cpuSeconds, finite, tensorsLeft: tf.memory().numTensors };
  },
  sampleTooMany() {
    const flow = makeFlow();
    const before = tf.memory().numTensors;
    const { value: error, seconds } = timed(() => {
      try {
        tf.dispose(flow.sample(30_000_000, { seed: 1 }));
        return null;
      } catch (e) {
        return e as Error;
      }
    });
    const after = tf.memory().numTensors;
    flow.dispose();
    return { outOfMemoryError: error instanceof OutOfMemoryError, message: error?.message, seconds, tensorsLeaked: after - before };
  },
  allocationFailure() {
    const flow = makeFlow();
    const x = rows(100_000);
    // Fill the wasm heap with untracked ballast (raw allocations, as C++ scratch space would be) until
    // less than 16 MiB are left: the up-front check cannot see it, so the call fails mid-way.
    guardWasmAllocations();
    const wasm = (tf.backend() as unknown as { wasm: { _malloc(n: number): number; _free(p: number): void } }).wasm;
    const ballast: number[] = [];
    let ballastBytes = 0;
    for (const block of [512, 64, 16].map((mb) => mb * 2 ** 20)) {
      for (;;) {
        try {
          ballast.push(wasm._malloc(block));
          ballastBytes += block;
        } catch {
          break;
        }
      }
    }
    const before = tf.memory().numTensors;
    const { value: error, seconds } = timed(() => {
      try {
        tf.dispose(flow.logProb(x));
        return null;
      } catch (e) {
        return e as Error;
      }
    });
    const tensorsAfterFailure = tf.memory().numTensors - before;
    for (const p of ballast) wasm._free(p);
    // Still usable: the same call after the ballast is freed completes.
    let usableAfter = false;
    try {
      const lp = flow.logProb(x);
      usableAfter = (lp.dataSync() as Float32Array).every(Number.isFinite);
      lp.dispose();
    } catch {
      usableAfter = false;
    }
    tf.dispose(x);
    flow.dispose();
    return {
      ballastMb: Math.round(ballastBytes / 2 ** 20),
      outOfMemoryError: error instanceof OutOfMemoryError,
      recoverable: error instanceof OutOfMemoryError ? error.recoverable : null,
      message: error?.message?.slice(0, 400),
      seconds,
      tensorsAfterFailure,
      usableAfter,
    };
  },
};

async function child(name: string): Promise<void> {
  await ready();
  const out = cases[name]();
  console.log(JSON.stringify({ ...out, peakRssMb: peakRssMb() }));
}

function main(): void {
  const results: Record<string, unknown> = {};
  const names = Object.keys(cases).filter((n) => !(n === 'allocationFailure' && process.env.BENCH_MEMORY_SKIP_OOM === '1'));
  for (const name of names) {
    const run = spawnSync(process.execPath, [...process.execArgv, process.argv[1], name], { encoding: 'utf8', maxBuffer: 1 << 24 });
    const last = run.stdout.trim().split('\n').at(-1) ?? '';
    try {
      results[name] = JSON.parse(last);
    } catch {
      results[name] = { failed: true, status: run.status, signal: run.signal, stderr: run.stderr.slice(-600) };
    }
  }
  const lp = results.logProb1M as { peakRssMb?: number } | undefined;
  console.log(
    JSON.stringify(
      {
        bench: 'memory',
        flow: 'maf-d43: MAF, dim 43, 5 layers, MADE hidden [512, 512], reversal between layers',
        backend: 'wasm',
        results,
        targets: { logProb1MPeakRssUnder2GB: typeof lp?.peakRssMb === 'number' && lp.peakRssMb < 2000 },
        loadAverage: Math.round(loadavg()[0] * 100) / 100,
        notes: 'peakRssMb: VmHWM of the child process that ran the case (includes Node, TF.js, the input rows: 172 MB for 1M x 43 float32). seconds: wall time of the call; cpuSeconds: CPU time of the child during the call (the machine is shared, so wall time depends on the load).',
      },
      null,
      2,
    ),
  );
}

const name = process.argv[2];
if (name) await child(name);
else main();
