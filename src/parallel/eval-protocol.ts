/**
 * The shared-memory layout between the main thread and the evaluation worker that computes half of
 * the rows of a large `Flow.logProb` / `sample` / `sampleAndLogProb` (see `two-thread-eval.ts`).
 * One request costs two `Atomics.notify`s; messages on the port carry only what changes rarely
 * (a flow's architecture, larger buffers), and the worker drains them synchronously per request.
 */
import type { MessagePort } from 'node:worker_threads';

/** Slots of the `Int32Array` control block. */
export const EVAL_SLOT = {
  /** Sequence number of the latest request (the main thread increments it). */
  REQUEST: 0,
  /** Sequence number of the latest answered request (the worker sets it). */
  DONE: 1,
  /** What the latest request asks: {@link EVAL_COMMAND}. */
  COMMAND: 2,
  /** Rows of the worker's part. */
  ROWS: 3,
  /** The id of the flow to evaluate (registered earlier through the port). */
  FLOW: 4,
  /** Outcome of the latest request: {@link EVAL_STATUS}. */
  STATUS: 5,
  /** 1 once the worker has loaded TF.js and waits for requests. */
  READY: 6,
  /** 0 while well, 1 once the worker failed for good (its message is in the error buffer). */
  FAILED: 7,
  /** Bytes of UTF-8 error message (of the failure, or of the latest flow that could not be used). */
  ERROR_LENGTH: 8,
  /** Tests only: 1 makes the worker exit, unannounced, on its next request (a crash mid-call). */
  CRASH_NEXT: 9,
} as const;

export const EVAL_CONTROL_SLOTS = 10;

export const EVAL_COMMAND = {
  /** `logProbUnchecked(x, context)` → `[rows]`. */
  LOG_PROB: 1,
  /** `forwardUnchecked(z, context)` → output `[rows, dim]`, then logDet `[rows]`. */
  FORWARD: 2,
  STOP: 3,
} as const;

export const EVAL_STATUS = {
  OK: 0,
  /** This flow cannot be rebuilt or evaluated in the worker (e.g. an unregistered bijector): use one thread for it. */
  FLOW_FAILED: 1,
} as const;

/** Bytes kept for an error message. */
export const EVAL_ERROR_BYTES = 4096;

/** Shared buffers of requests (replaced through the port when a request outgrows them). */
export interface EvalBuffers {
  type: 'buffers';
  /** 4-byte slots: every weight of the flow in `flow.weights` order, float32 as Float32, int32/bool as Int32. */
  weights: SharedArrayBuffer;
  /** Float32: the worker's input rows `[rows, dim]`, then its context rows `[rows, contextDim]`. */
  input: SharedArrayBuffer;
  /** Float32: `[rows]` log-densities, or `[rows, dim]` outputs then `[rows]` log-dets. */
  output: SharedArrayBuffer;
}

/** A flow to rebuild (its first weights included, as `flowFromJSON` wants them). */
export interface EvalFlowMessage {
  type: 'flow';
  id: number;
  architecture: unknown;
  weights: { name: string; shape: number[]; dtype: 'float32' | 'int32' | 'bool'; values: Float32Array | Int32Array | Uint8Array }[];
}

/** A flow the main thread no longer evaluates (collected, changed, or evicted). */
export interface EvalForgetMessage {
  type: 'forget';
  id: number;
}

export type EvalMessage = EvalBuffers | EvalFlowMessage | EvalForgetMessage;

/** Everything the worker is started with (`workerData`). */
export interface EvalWorkerInit {
  /** The backend the main thread computes on; the worker must run the same one. */
  backend: string;
  control: SharedArrayBuffer;
  error: SharedArrayBuffer;
  /** Where {@link EvalMessage}s arrive (read synchronously with `receiveMessageOnPort`). */
  port: MessagePort;
}
