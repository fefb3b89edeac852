/**
 * Large evaluations on two cores (Node only, opt-in through `evaluateLogProb` & co. in
 * `tfjs-flows/node`; `Flow`'s own methods never come here): for each chunk of rows the main thread
 * computes the first ⌈n/2⌉ rows while one evaluation worker computes the rest, and the halves are
 * concatenated. Rows are independent, so each row gets the same per-row maths as on one thread.
 *
 * One worker per process, started on the first eligible call (which computes alone) and `unref()`'d;
 * later calls use it once it reports ready through shared memory. The architecture of each flow is
 * sent once (again when its `serialize()` changes, e.g. a new standardisation); all its weights,
 * trainable or not, go through shared memory on every call. Any failure falls back to one thread:
 * a flow the worker cannot rebuild (that flow from then on), a worker that fails to start, crashes
 * or does not answer within a bounded wait (every flow from then on).
 *
 * Synchronous throughout, since `logProb` is: Node's modules come from `process.getBuiltinModule`
 * (Node ≥ 20.16; older Node keeps one thread), so no import of a Node module appears here and a
 * browser bundle never resolves one.
 */
import { tf } from '../backend.js';
import type { Flow } from '../flow.js';
import { readWeightsSync } from '../io/snapshot.js';
import { float32InPlace } from '../kernels/js-kernel.js';
import { batchDependent } from '../memory/row-chunks.js';
import { gradientsRecorded } from '../ops/tape.js';
import { EVAL_COMMAND, EVAL_CONTROL_SLOTS, EVAL_ERROR_BYTES, EVAL_SLOT, EVAL_STATUS, type EvalMessage, type EvalWorkerInit } from './eval-protocol.js';
import { readSharedError } from './shared-failure.js';
import { startWorker, workerScript } from './worker-script.js';

/**
 * Fewest rows worth splitting. Measured 2026-11-27 (wasm, dense layers on the SIMD GEMMs, hidden
 * [64, 64], 2-D moons, median of 9 `logProb` calls, load ≈ 0.5), one thread → two, in ms:
 * RealNVP-8: 4096 rows 12.2 → 18.5, 8192 rows 20.5 → 20.1, 16384 rows 39.7 → 28.4;
 * NSF-4: 4096 rows 10.8 → 13.9, 8192 rows 18.9 → 11.0, 16384 rows 38.6 → 21.1.
 * Each request pays a fixed cost (all weights copied and assigned in the worker, a wake-up, the
 * concatenation) that RealNVP's 16 weight matrices only repay from about 10k rows.
 */
export const TWO_THREAD_EVAL_MIN_ROWS = 16_384;

/**
 * Fewer rows are also split when each row is expensive: at least 1,024 rows and rows × weights at
 * least this (16,384 rows of a flow with 40k weights, about RealNVP-8's size above). A wide MAF
 * (43-D, H 512, 1.6M weights) then splits its memory-bounded chunks of a few thousand rows, where the
 * fixed cost per request (copying the weights) is a small part of the work.
 */
const TWO_THREAD_EVAL_MIN_WORK = TWO_THREAD_EVAL_MIN_ROWS * 40_000;

/** Longest wait for the worker's half beyond our own half's time: a worker that never answers must not hang the call. */
const ANSWER_TIMEOUT_MS = 30_000;
/** Flows kept rebuilt in the worker (least recently used ones are dropped). */
const MAX_FLOWS = 8;

type Command = 'logProb' | 'forward';
type WorkerThreads = typeof import('node:worker_threads');

interface Evaluator {
  worker: InstanceType<WorkerThreads['Worker']>;
  port: InstanceType<WorkerThreads['MessagePort']>;
  control: Int32Array;
  error: SharedArrayBuffer;
  weights: SharedArrayBuffer;
  input: Float32Array;
  output: Float32Array;
  dead: boolean;
  /** The backend the worker runs (the main thread's when it started): other backends stay on one thread. */
  backend: string;
  /** Flows registered in the worker: id and the `serialize()` text it was built from. */
  flows: WeakMap<Flow, { id: number; key: string }>;
  /** Registered ids, least recently used first. */
  order: Map<number, WeakRef<Flow>>;
  nextId: number;
}

let threads: 1 | 2 | null = null;
let answeredCalls = 0;
let evaluator: Evaluator | null = null;
let unavailable = false;
/** Flows the worker could not rebuild or evaluate: always one thread. */
const oneThreadFlows = new WeakSet<Flow>();

/**
 * The default of the `threads` option of `evaluateLogProb`, `evaluateSample` and
 * `evaluateSampleAndLogProb` (Node entry): `1` one thread, `2` the evaluation worker, `null` restores
 * the default (two, unless the environment variable `TFJS_FLOWS_THREADS=1`). `Flow`'s own methods
 * always take one thread.
 *
 * @example
 * ```ts
 * setEvaluationThreads(1); // e.g. when another process already uses the second core
 * ```
 */
export function setEvaluationThreads(n: 1 | 2 | null): void {
  if (n !== 1 && n !== 2 && n !== null) throw new TypeError(`setEvaluationThreads: expected 1, 2 or null; got ${String(n)}`);
  threads = n;
}

/** Whether the default is two threads (see {@link setEvaluationThreads}). */
export function twoThreadsByDefault(): boolean {
  return enabled();
}

function enabled(): boolean {
  if (threads !== null) return threads === 2;
  return typeof process === 'undefined' || process.env?.TFJS_FLOWS_THREADS !== '1';
}

type GetBuiltin = <T>(name: string) => T;

function builtin(): GetBuiltin | null {
  if (typeof process === 'undefined' || typeof process.versions?.node !== 'string' || typeof SharedArrayBuffer !== 'function') return null;
  const get = (process as unknown as { getBuiltinModule?: GetBuiltin }).getBuiltinModule;
  return typeof get === 'function' ? get.bind(process) : null;
}

/** Start the worker (without waiting for it); `null` where it cannot run. */
function start(): Evaluator | null {
  const get = builtin();
  if (!get) return null;
  const wt = get<WorkerThreads>('node:worker_threads');
  // One worker per process: other threads (a user's workers, our own) stay on one thread.
  if (!wt.isMainThread) return null;
  const control = new Int32Array(new SharedArrayBuffer(EVAL_CONTROL_SLOTS * 4));
  const error = new SharedArrayBuffer(EVAL_ERROR_BYTES);
  const channel = new wt.MessageChannel();
  const init: EvalWorkerInit = { backend: tf.getBackend(), control: control.buffer as SharedArrayBuffer, error, port: channel.port2 };
  const script = workerScript(import.meta.url, 'eval-worker', { module: get('node:module'), url: get('node:url') });
  const worker = startWorker(wt.Worker, script.script, {
    eval: script.eval,
    workerData: init,
    transferList: [channel.port2],
    env: { ...process.env, TFJS_FLOWS_BACKEND: tf.getBackend(), TFJS_FLOWS_THREADS: '1' },
    stdout: false,
  });
  // Never keep the process alive for the worker's sake.
  worker.unref();
  channel.port1.unref();
  const ev: Evaluator = {
    worker,
    port: channel.port1,
    control,
    error,
    weights: new SharedArrayBuffer(0),
    input: new Float32Array(0),
    output: new Float32Array(0),
    dead: false,
    backend: tf.getBackend(),
    flows: new WeakMap(),
    order: new Map(),
    nextId: 1,
  };
  worker.on('error', () => (ev.dead = true));
  worker.on('exit', () => (ev.dead = true));
  return ev;
}

/** The ready worker, or `null` (starting it if nobody has). */
function readyEvaluator(): Evaluator | null {
  if (unavailable) return null;
  if (!evaluator) {
    try {
      evaluator = start();
    } catch {
      evaluator = null;
    }
    if (!evaluator) unavailable = true;
    return null;
  }
  if (evaluator.dead || Atomics.load(evaluator.control, EVAL_SLOT.FAILED) === 1) {
    retire();
    return null;
  }
  return Atomics.load(evaluator.control, EVAL_SLOT.READY) === 1 ? evaluator : null;
}

/** Give up on the worker for the rest of the process. */
function retire(): void {
  unavailable = true;
  const ev = evaluator;
  if (!ev) return;
  ev.dead = true;
  ev.port.close();
  void ev.worker.terminate().catch(() => undefined);
}

/**
 * Stop the evaluation worker and let the next eligible call start a new one (for tests; also
 * re-enables two threads after a failure). Resolves once the worker has exited.
 */
export async function resetEvaluationWorker(): Promise<void> {
  const ev = evaluator;
  evaluator = null;
  unavailable = false;
  if (!ev) return;
  ev.dead = true;
  ev.port.close();
  await ev.worker.terminate().catch(() => undefined);
}

/**
 * Start the evaluation worker now and resolve once it can take requests: `true`, or `false` where
 * it cannot run (browser, disabled, old Node, start failure). Eligible calls do not need this (the
 * first starts the worker); it lets a benchmark or test time the two-thread path from its first call.
 */
export async function evaluationThreadsReady(timeoutMs = 60_000): Promise<boolean> {
  if (!enabled()) return false;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (readyEvaluator()) return true;
    if (unavailable || Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The flow's id in the worker, registering (or re-registering) it; `null` if it cannot be sent. */
function register(ev: Evaluator, flow: Flow): number | null {
  let key: string;
  let architecture: unknown;
  try {
    architecture = flow.serialize();
    key = JSON.stringify(architecture);
  } catch {
    return null;
  }
  const known = ev.flows.get(flow);
  if (known && known.key === key && ev.order.has(known.id)) {
    ev.order.delete(known.id);
    ev.order.set(known.id, new WeakRef(flow));
    return known.id;
  }
  if (known) forget(ev, known.id);
  let message: EvalMessage;
  try {
    message = { type: 'flow', id: ev.nextId, architecture: JSON.parse(key), weights: readWeightsSync(flow.weights) };
  } catch {
    return null;
  }
  const id = ev.nextId++;
  ev.port.postMessage(message);
  ev.flows.set(flow, { id, key });
  ev.order.set(id, new WeakRef(flow));
  if (ev.order.size > MAX_FLOWS) forget(ev, ev.order.keys().next().value as number);
  return id;
}

function forget(ev: Evaluator, id: number): void {
  const flow = ev.order.get(id)?.deref();
  if (flow && ev.flows.get(flow)?.id === id) ev.flows.delete(flow);
  ev.order.delete(id);
  ev.port.postMessage({ type: 'forget', id } satisfies EvalMessage);
}

/** Grow the shared buffers to at least these many 4-byte values (telling the worker). */
function reserve(ev: Evaluator, weights: number, input: number, output: number): void {
  if (weights * 4 <= ev.weights.byteLength && input <= ev.input.length && output <= ev.output.length) return;
  // Some headroom, so that slowly growing calls do not reallocate every time.
  const grow = (need: number, have: number) => (need <= have ? have : Math.ceil(need * 1.25));
  ev.weights = weights * 4 <= ev.weights.byteLength ? ev.weights : new SharedArrayBuffer(weights * 4);
  ev.input = new Float32Array(new SharedArrayBuffer(grow(input, ev.input.length) * 4));
  ev.output = new Float32Array(new SharedArrayBuffer(grow(output, ev.output.length) * 4));
  ev.port.postMessage({ type: 'buffers', weights: ev.weights, input: ev.input.buffer as SharedArrayBuffer, output: ev.output.buffer as SharedArrayBuffer } satisfies EvalMessage);
}

function writeWeights(ev: Evaluator, flow: Flow): void {
  const floats = new Float32Array(ev.weights);
  const ints = new Int32Array(ev.weights);
  let offset = 0;
  for (const w of flow.weights) {
    // Float32 weights straight from where they live (no copy), others through a read-back.
    if (w.variable.dtype === 'float32') floats.set(float32InPlace(w.variable) ?? (w.variable.dataSync() as Float32Array), offset);
    else ints.set(w.variable.dataSync(), offset);
    offset += w.variable.size;
  }
}

/**
 * Evaluate `input` (`[rows, dim]`, with its `context` rows) on two threads, or return `null` when the
 * call should take one thread: too little work (see `TWO_THREAD_EVAL_MIN_ROWS`), a gradient being
 * recorded (the worker's results are not differentiable), another backend than wasm/cpu, no worker
 * (yet). The caller has chosen two threads (this does not read `setEvaluationThreads`). `local` computes rows on this
 * thread: for `'logProb'` it returns `[logProb [rows]]`, for `'forward'` `[output [rows, dim], logDet [rows]]`.
 * Call inside a `tf.tidy`.
 */
export function evaluateOnTwoThreads(
  flow: Flow,
  command: Command,
  input: tf.Tensor2D,
  context: tf.Tensor2D | null,
  local: (input: tf.Tensor2D, context: tf.Tensor2D | null) => tf.Tensor[],
): tf.Tensor[] | null {
  const rows = input.shape[0];
  if (gradientsRecorded() || !worthSplitting(flow, rows)) return null;
  const backend = tf.getBackend();
  if ((backend !== 'wasm' && backend !== 'cpu') || oneThreadFlows.has(flow) || batchDependent([flow.base, flow.bijector])) return null;
  const ev = readyEvaluator();
  if (!ev || ev.backend !== backend) return null;
  const id = register(ev, flow);
  if (id === null) {
    oneThreadFlows.add(flow);
    return null;
  }
  const dim = input.shape[1];
  const cdim = context ? context.shape[1] : 0;
  const mine = Math.ceil(rows / 2);
  const theirs = rows - mine;
  const outWidth = command === 'logProb' ? 1 : dim + 1;
  const weightCount = flow.weights.reduce((n, w) => n + w.variable.size, 0);
  reserve(ev, weightCount, theirs * (dim + cdim), theirs * outWidth);
  writeWeights(ev, flow);
  ev.input.set((input.dataSync() as Float32Array).subarray(mine * dim));
  if (context) ev.input.set((context.dataSync() as Float32Array).subarray(mine * cdim), theirs * dim);
  const { control } = ev;
  Atomics.store(control, EVAL_SLOT.FLOW, id);
  Atomics.store(control, EVAL_SLOT.ROWS, theirs);
  Atomics.store(control, EVAL_SLOT.COMMAND, command === 'logProb' ? EVAL_COMMAND.LOG_PROB : EVAL_COMMAND.FORWARD);
  const request = Atomics.add(control, EVAL_SLOT.REQUEST, 1) + 1;
  Atomics.notify(control, EVAL_SLOT.REQUEST);

  const half = (start: number, count: number) =>
    local(tf.slice(input, [start, 0], [count, dim]), context && tf.slice(context, [start, 0], [count, cdim]));
  const own = half(0, mine);
  const deadline = Date.now() + ANSWER_TIMEOUT_MS;
  let answered = false;
  for (;;) {
    const done = Atomics.load(control, EVAL_SLOT.DONE);
    if (done === request) {
      answered = Atomics.load(control, EVAL_SLOT.FAILED) === 0;
      break;
    }
    if (Date.now() > deadline) break;
    Atomics.wait(control, EVAL_SLOT.DONE, done, 200);
  }
  let rest: tf.Tensor[];
  if (!answered) {
    retire();
    rest = half(mine, theirs);
  } else if (Atomics.load(control, EVAL_SLOT.STATUS) !== EVAL_STATUS.OK) {
    oneThreadFlows.add(flow);
    rest = half(mine, theirs);
  } else {
    answeredCalls++;
    rest =
      command === 'logProb'
        ? [tf.tensor1d(ev.output.slice(0, theirs))]
        : [tf.tensor2d(ev.output.slice(0, theirs * dim), [theirs, dim]), tf.tensor1d(ev.output.slice(theirs * dim, theirs * (dim + 1)))];
  }
  return own.map((t, k) => tf.concat([t, rest[k]]));
}

/** Enough rows, or enough work per row, to repay a request's fixed cost. */
function worthSplitting(flow: Flow, rows: number): boolean {
  if (rows >= TWO_THREAD_EVAL_MIN_ROWS) return true;
  return rows >= 1024 && rows * flow.weights.reduce((n, w) => n + w.variable.size, 0) >= TWO_THREAD_EVAL_MIN_WORK;
}

/** Make the worker exit, unannounced, on its next request (tests only: a crash in the middle of a call). */
export function crashEvaluationWorkerOnNextRequest(): void {
  if (evaluator) Atomics.store(evaluator.control, EVAL_SLOT.CRASH_NEXT, 1);
}

/** Calls whose second half the worker computed (for tests: shows that the worker was used). */
export function evaluationWorkerCalls(): number {
  return answeredCalls;
}

/** Why the worker last refused a flow or failed (for tests and debugging); empty if never. */
export function evaluationWorkerError(): string {
  const ev = evaluator;
  if (!ev) return '';
  return readSharedError(ev.control, EVAL_SLOT, ev.error);
}
