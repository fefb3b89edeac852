/**
 * The shared-memory layout between `fit`'s main thread and its gradient worker (see
 * `two-thread-step.ts`). Each step costs two `Atomics.notify`s and no message: the main thread
 * writes the weights and the worker's rows into shared buffers, bumps `REQUEST`; the worker writes
 * its loss and gradients back and bumps `DONE`.
 */
import type { MessagePort } from 'node:worker_threads';

/** Slots of the `Int32Array` control block. */
export const SLOT = {
  /** Sequence number of the latest request (the main thread increments it). */
  REQUEST: 0,
  /** Sequence number of the latest finished request (the worker sets it). */
  DONE: 1,
  /** What the latest request asks: {@link COMMAND}. */
  COMMAND: 2,
  /** Rows of the worker's half of the batch. */
  ROWS: 3,
  /** 0 while well, 1 once the worker failed (its message is in the error buffer). */
  FAILED: 4,
  /** Bytes of UTF-8 error message. */
  ERROR_LENGTH: 5,
  /** 1 when a larger data buffer waits on the message port (the batch outgrew the old one). */
  NEW_DATA_BUFFER: 6,
} as const;

export const CONTROL_SLOTS = 8;

export const COMMAND = { STEP: 1, STOP: 2 } as const;

/** Bytes kept for the worker's error message. */
export const ERROR_BYTES = 4096;

/** Everything the worker is started with (`workerData`). */
export interface WorkerInit {
  /** `flowToJSON(flow)`: the architecture, standardisation and (initial) weights. */
  flow: unknown;
  /** The backend the main thread computes on; the worker must run the same one. */
  backend: string;
  /** Columns of a data row. */
  dim: number;
  /** Shapes of the trainable variables in `flow.trainableVariables` order (checked by the worker). */
  shapes: number[][];
  control: SharedArrayBuffer;
  /** Float32: every trainable variable, concatenated in order. */
  weights: SharedArrayBuffer;
  /** Float32: the worker's rows `[rows, dim]` (replaced through the port when a batch outgrows it). */
  data: SharedArrayBuffer;
  /** Float32: `[loss, …gradients in variable order]`. */
  results: SharedArrayBuffer;
  /** UTF-8 error message. */
  error: SharedArrayBuffer;
  /** Where a larger `data` buffer arrives (read synchronously with `receiveMessageOnPort`). */
  port: MessagePort;
}
