/**
 * Bounded memory for row-wise evaluation: the rows of a call are cut into chunks whose live
 * activations fit a byte budget, each chunk is computed in its own `tf.tidy`, and the results are
 * concatenated. Rows are independent in every entry point that uses this (no batch statistics), so
 * chunked results equal unchunked ones within float32 rounding (on wasm, bit for bit: XNNPACK
 * accumulates each output element in the same order for any number of rows).
 *
 * The chunk size comes from the layer widths: an evaluation keeps, per row, about one float per
 * unit of the layer it is in plus a few copies, so `bytesPerRow ≈ 4 · 2 · widest · (matrices + 4)`
 * (widest = the widest weight matrix side or the data dimension; matrices = the number of weight
 * matrices). This overestimates one layer's activations on purpose: the budget must hold however the
 * backend's allocator fragments.
 */
import { tf } from '../backend.js';
import { ActNorm } from '../bijectors/act-norm.js';
import { BatchNorm } from '../bijectors/batch-norm.js';
import { ValidationError, describe } from '../errors.js';
import type { Module } from '../module.js';
import { gradientsRecorded } from '../ops/tape.js';

/** Default byte budget of one chunk's live activations: 256 MiB. */
export const DEFAULT_MEMORY_BUDGET = 256 * 2 ** 20;

let budget = DEFAULT_MEMORY_BUDGET;

/**
 * Set the byte budget of the live activations of one chunk of rows in `logProb`, `sample`,
 * `sampleAndLogProb`, `toLatent` and `fromLatent` (default 256 MiB); `null` restores the default.
 * Larger budgets mean fewer, larger chunks (a little faster); smaller ones less peak memory.
 *
 * @example
 * ```ts
 * setMemoryBudget(64 * 2 ** 20); // chunks of at most ~64 MiB of activations
 * ```
 */
export function setMemoryBudget(bytes: number | null): void {
  if (bytes === null) {
    budget = DEFAULT_MEMORY_BUDGET;
    return;
  }
  if (typeof bytes !== 'number' || !Number.isFinite(bytes) || bytes < 1) {
    throw new ValidationError('setMemoryBudget', 'bytes', 'a positive finite number of bytes, or null for the default (256 MiB)', describe(bytes));
  }
  budget = bytes;
}

/** The current byte budget of one chunk (see {@link setMemoryBudget}). */
export function memoryBudget(): number {
  return budget;
}

/** The layer widths a chunk size is chosen from. */
export interface LayerWidths {
  /** Widest weight-matrix side, or the data dimension if wider. */
  widest: number;
  /** Number of weight matrices. */
  matrices: number;
}

/** Widths of the modules' weight matrices (2-D weights), at least `dim` wide. */
export function layerWidths(roots: readonly Module[], dim: number): LayerWidths {
  let widest = dim;
  let matrices = 0;
  for (const w of roots.flatMap((r) => r.weights)) {
    if (w.variable.rank !== 2) continue;
    matrices++;
    widest = Math.max(widest, ...w.variable.shape);
  }
  return { widest, matrices };
}

/** Estimated bytes of live activations per row (see the file comment). */
export function bytesPerRow({ widest, matrices }: LayerWidths): number {
  return 4 * 2 * widest * (matrices + 4);
}

/** Rows per chunk under the current budget: at least 1. */
export function chunkRows(widths: LayerWidths): number {
  return Math.max(1, Math.floor(budget / bytesPerRow(widths)));
}

/**
 * Whether some row's result depends on the other rows of the call: an ActNorm not yet initialised
 * (its first batch sets it) or a BatchNorm in training mode (batch statistics). Such calls must see
 * the whole batch at once: no chunks, no second thread.
 */
export function batchDependent(roots: readonly Module[]): boolean {
  return roots.some((root) => root.modules().some((m) => (m instanceof ActNorm && !m.isInitialized) || (m instanceof BatchNorm && m.training)));
}

/** How a call's rows are cut: `rows` in chunks of `chunk`, chosen from `widths`. */
export interface EvaluationPlan {
  rows: number;
  /** Rows per chunk. */
  chunk: number;
  widths: LayerWidths;
}

/**
 * The plan for `rows` rows of the model made of `roots`: chunks from the layer widths and the
 * budget (`scale` turns the one-thread chunk into the caller's, e.g. twice it for two threads), or
 * all rows at once when a gradient is being recorded (the tape keeps every chunk anyway, and the
 * result must be one differentiable expression) or when rows depend on each other.
 */
export function planRows(roots: readonly Module[], dim: number, rows: number, scale: (oneThread: number) => number = (r) => r): EvaluationPlan {
  const widths = layerWidths(roots, dim);
  const whole = gradientsRecorded() || batchDependent(roots);
  return { rows, chunk: whole ? Math.max(rows, 1) : scale(chunkRows(widths)), widths };
}

/**
 * `f` over consecutive chunks of at most `chunk` rows of `inputs` (each `[rows, ·]`, or null), as few
 * as the bound allows and of equal size (but the last),
 * results concatenated along rows: `f` returns the same number of tensors for every chunk, each with
 * the chunk's rows first. One call when `rows ≤ chunk`. Each chunk runs in its own `tf.tidy`; call
 * inside a `tf.tidy`, which frees the per-chunk results after the concatenation.
 */
export function inRowChunks(rows: number, chunk: number, inputs: readonly (tf.Tensor2D | null)[], f: (inputs: (tf.Tensor2D | null)[]) => tf.Tensor[]): tf.Tensor[] {
  if (rows <= chunk) return f([...inputs]);
  // Chunks of equal size (a multiple of 4 where the bound allows, for the SIMD kernels) rather than
  // full ones and a small remainder: 10,000 rows under a bound of 9,362 become 5,000 + 5,000, each
  // split across two threads, where a remainder of 638 rows ran on one thread at a request's fixed cost.
  const count0 = Math.ceil(rows / Math.ceil(rows / chunk));
  const size = Math.min(chunk, Math.ceil(count0 / 4) * 4);
  const parts: tf.Tensor[][] = [];
  for (let start = 0; start < rows; start += size) {
    const count = Math.min(size, rows - start);
    parts.push(tf.tidy(() => f(inputs.map((t) => t && (tf.slice(t, [start, 0], [count, t.shape[1]]) as tf.Tensor2D)))));
  }
  return parts[0].map((_, k) => tf.concat(parts.map((p) => p[k])));
}
