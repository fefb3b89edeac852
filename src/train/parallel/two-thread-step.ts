/**
 * Data-parallel training step on two threads (Node only): the main thread and one `worker_threads`
 * worker each run the tape-free step on half of the batch, and the halves combine exactly as the
 * whole batch would, up to float32 summation order:
 *
 *   loss = (n₁·loss₁ + n₂·loss₂) / B,   ∇ = (n₁·∇₁ + n₂·∇₂) / B,   B = n₁ + n₂,
 *
 * since each half's loss is its own mean `−(1/nₖ) Σ log p(xᵢ)`. Weights and rows go to the worker
 * through shared memory with `Atomics.wait`/`notify` (no message per step). The worker holds a copy
 * of the flow rebuilt from `flowToJSON` and receives the main thread's weights before every step, so
 * the optimiser, clipping and checks stay on the main thread, unchanged.
 *
 * Node built-ins are loaded through variable specifiers so that a browser bundle that includes
 * `fit` never tries to resolve them; `fit` reaches this module only with `threads: 2`.
 *
 * Synchronous reads here are copies from host memory: two-thread training runs on cpu and wasm only.
 */
import { tf } from '../../backend.js';
import { BackendError } from '../../errors.js';
import { float32InPlace } from '../../kernels/js-kernel.js';
import type { Flow } from '../../flow.js';
import { flowToJSON } from '../../io/format.js';
import type { ValueAndGrads } from '../../engine/tape-free-step.js';
import type { TwoThreadStep } from './support.js';
import { readSharedError } from '../../parallel/shared-failure.js';
import { COMMAND, CONTROL_SLOTS, ERROR_BYTES, SLOT, type WorkerInit } from './protocol.js';
import { startWorker, workerScript } from '../../parallel/worker-script.js';

type WorkerThreads = typeof import('node:worker_threads');
type NodeModule = typeof import('node:module');

/** Longest wait for one step's half from the worker before giving up (a crashed worker never answers). */
const STEP_TIMEOUT_MS = 600_000;
/** Longest wait for the worker to load TF.js and rebuild the flow. */
const START_TIMEOUT_MS = 120_000;

let live = 0;

/** Gradient workers started and not yet exited (for tests: `fit` must leave none behind). */
export function liveWorkers(): number {
  return live;
}

const load = <T>(name: string): Promise<T> => import(/* @vite-ignore */ name) as Promise<T>;

/**
 * Start the worker for `flow` (whose tape-free step is `local`) and return the combined step. Rejects
 * when the worker cannot start; the caller closes the result when training ends, however it ends.
 */
export async function startTwoThreadStep(flow: Flow, local: ValueAndGrads, initialRows: number): Promise<TwoThreadStep> {
  const { Worker, MessageChannel } = await load<WorkerThreads>('node:worker_threads');
  const vars = flow.trainableVariables;
  const dim = flow.dim;
  const totalWeights = vars.reduce((n, v) => n + v.size, 0);
  const control = new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * 4));
  const weights = new Float32Array(new SharedArrayBuffer(totalWeights * 4));
  const results = new Float32Array(new SharedArrayBuffer((1 + totalWeights) * 4));
  const error = new SharedArrayBuffer(ERROR_BYTES);
  let data = new Float32Array(new SharedArrayBuffer(Math.max(1, Math.ceil(initialRows / 2)) * dim * 4));
  const channel = new MessageChannel();
  const init: WorkerInit = {
    flow: flowToJSON(flow),
    backend: tf.getBackend(),
    dim,
    shapes: vars.map((v) => [...v.shape]),
    control: control.buffer as SharedArrayBuffer,
    weights: weights.buffer as SharedArrayBuffer,
    data: data.buffer as SharedArrayBuffer,
    results: results.buffer as SharedArrayBuffer,
    error,
    port: channel.port2 as unknown as WorkerInit['port'],
  };
  const script = workerScript(import.meta.url, 'worker', { module: await load<NodeModule>('node:module'), url: await load<typeof import('node:url')>('node:url') });
  const worker = startWorker(Worker, script.script, {
    eval: script.eval,
    workerData: init,
    transferList: [channel.port2],
    env: { ...process.env, TFJS_FLOWS_BACKEND: tf.getBackend() },
  });
  live++;
  let exited = false;
  const exit = new Promise<void>((resolve) => worker.once('exit', () => {
    exited = true;
    live--;
    resolve();
  }));
  // An uncaught error in the worker (one its own catch missed): kept for the message.
  let uncaught: string | null = null;
  worker.on('error', (e) => (uncaught = (e as Error)?.stack ?? String(e)));
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    Atomics.store(control, SLOT.COMMAND, COMMAND.STOP);
    Atomics.add(control, SLOT.REQUEST, 1);
    Atomics.notify(control, SLOT.REQUEST);
    channel.port1.close();
    await worker.terminate();
    await exit;
  };
  const workerError = (): string => readSharedError(control, SLOT, error);

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the worker did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      const done = (f: () => void) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        clearInterval(poll);
        f();
      };
      const onMessage = (m: unknown) => done(() => (m === 'ready' ? resolve() : reject(new Error(`unexpected message ${String(m)}`))));
      worker.on('message', onMessage);
      // A start failure arrives through shared memory (and the worker then exits).
      const poll = setInterval(() => {
        if (Atomics.load(control, SLOT.FAILED) === 1) done(() => reject(new Error(workerError())));
        else if (exited) done(() => reject(new Error(`the worker exited while starting${uncaught ? `: ${uncaught}` : ''}`)));
      }, 20);
    });
  } catch (e) {
    await close();
    throw new BackendError(`fit: the gradient worker (threads: 2) failed to start: ${(e as Error).message}`);
  }

  let request = 0;
  const valueAndGrads: ValueAndGrads = (x) => {
    if (closed || Atomics.load(control, SLOT.FAILED) === 1) throw new BackendError('fit: the gradient worker (threads: 2) is closed or failed');
    const batch = x.shape[0];
    const mine = Math.ceil(batch / 2);
    const theirs = batch - mine;
    if (theirs === 0) return local(x);
    // Hand the worker its rows and the current weights, then compute our half meanwhile.
    const rows = x.dataSync();
    if (theirs * dim > data.length) {
      data = new Float32Array(new SharedArrayBuffer(theirs * dim * 4));
      channel.port1.postMessage(data.buffer);
      Atomics.store(control, SLOT.NEW_DATA_BUFFER, 1);
    }
    data.set(rows.subarray(mine * dim, batch * dim));
    let offset = 0;
    for (const v of vars) {
      weights.set(float32InPlace(v) ?? (v.dataSync() as Float32Array), offset);
      offset += v.size;
    }
    Atomics.store(control, SLOT.ROWS, theirs);
    Atomics.store(control, SLOT.COMMAND, COMMAND.STEP);
    request = Atomics.add(control, SLOT.REQUEST, 1) + 1;
    Atomics.notify(control, SLOT.REQUEST);

    return tf.tidy(() => {
      const own = local(tf.slice(x, [0, 0], [mine, dim]));
      const deadline = Date.now() + STEP_TIMEOUT_MS;
      for (;;) {
        const done = Atomics.load(control, SLOT.DONE);
        if (done === request) break;
        if (Date.now() > deadline) throw new BackendError(`fit: the gradient worker did not answer within ${STEP_TIMEOUT_MS / 1000} s`);
        Atomics.wait(control, SLOT.DONE, done, 1000);
      }
      if (Atomics.load(control, SLOT.FAILED) === 1) throw new BackendError(`fit: the gradient worker (threads: 2) failed: ${workerError()}`);
      // Combined in JavaScript (double arithmetic, one rounding to float32): one tensor per
      // variable instead of three ops each, which cost a third of a half-step at batch 256.
      const a = mine / batch;
      const b = theirs / batch;
      const value = tf.scalar(a * own.value.dataSync()[0] + b * results[0]);
      const grads: tf.NamedTensorMap = {};
      let at = 1;
      for (const v of vars) {
        const g = own.grads[v.name];
        if (g) {
          const theirsValues = results.subarray(at, at + v.size);
          // In place where the gradient's values live (cpu, wasm): no second array and no upload, a
          // tenth of a maf-d43 step. The tape-free step's gradients are fresh tensors nothing else reads.
          const sum = float32InPlace(g);
          if (sum) {
            if (a === b) for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] + theirsValues[i]) * 0.5;
            else for (let i = 0; i < sum.length; i++) sum[i] = a * sum[i] + b * theirsValues[i];
            grads[v.name] = g;
          } else {
            const mineValues = g.dataSync() as Float32Array;
            const out = new Float32Array(v.size);
            for (let i = 0; i < out.length; i++) out[i] = a * mineValues[i] + b * theirsValues[i];
            grads[v.name] = tf.tensor(out, v.shape);
          }
        }
        at += v.size;
      }
      return { value, grads };
    });
  };
  return { valueAndGrads, close };
}
