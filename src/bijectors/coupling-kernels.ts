/**
 * Column split and join kernels (JavaScript, cpu and wasm) for the coupling's tape-free pass: one
 * pass per split or join, for contiguous and scattered masks alike. On wasm, `Slice` and `Concat`
 * of narrow column blocks were among the slowest kernels of a coupling step (tens of µs each for
 * `[256, 1]` blocks), and scattered masks would add two `Gather`s.
 */
import { tf } from '../backend.js';
import { registerJsKernel } from '../kernels/js-kernel.js';

export const COLUMNS_SPLIT = 'TfjsFlowsColumnsSplit';
export const COLUMNS_JOIN = 'TfjsFlowsColumnsJoin';
export const COLUMNS_JOIN_ADD = 'TfjsFlowsColumnsJoinAdd';

/** The column indices of the two blocks: `a` (pass-through) and `b` (transformed), together a permutation of 0 … D − 1. */
export interface ColumnBlocks {
  a: number[];
  b: number[];
}

function blocks(attrs: tf.NamedAttrMap): ColumnBlocks {
  return attrs as unknown as ColumnBlocks;
}

let registered = false;

/** Register the three kernels for cpu and wasm (idempotent). */
export function ensureColumnKernels(): void {
  if (registered) return;
  registered = true;
  registerJsKernel({
    kernelName: COLUMNS_SPLIT,
    inputNames: ['x'],
    outputShapes: ([x], attrs) => [[x[0], blocks(attrs).a.length], [x[0], blocks(attrs).b.length]],
    compute([x], [xa, xb], attrs) {
      const { a, b } = blocks(attrs);
      const D = a.length + b.length;
      for (let r = 0, i = 0; i < x.length; r++, i += D) {
        for (let j = 0; j < a.length; j++) xa[r * a.length + j] = x[i + a[j]];
        for (let j = 0; j < b.length; j++) xb[r * b.length + j] = x[i + b[j]];
      }
    },
  });
  registerJsKernel({
    kernelName: COLUMNS_JOIN,
    inputNames: ['xa', 'xb'],
    outputShapes: ([xa, xb]) => [[xa[0], xa[1] + xb[1]]],
    compute([xa, xb], [x], attrs) {
      const { a, b } = blocks(attrs);
      const D = a.length + b.length;
      for (let r = 0, i = 0; i < x.length; r++, i += D) {
        for (let j = 0; j < a.length; j++) x[i + a[j]] = xa[r * a.length + j];
        for (let j = 0; j < b.length; j++) x[i + b[j]] = xb[r * b.length + j];
      }
    },
  });
  registerJsKernel({
    kernelName: COLUMNS_JOIN_ADD,
    inputNames: ['xa', 'xa2', 'xb'],
    outputShapes: ([xa, , xb]) => [[xa[0], xa[1] + xb[1]]],
    compute([xa, xa2, xb], [x], attrs) {
      const { a, b } = blocks(attrs);
      const D = a.length + b.length;
      for (let r = 0, i = 0; i < x.length; r++, i += D) {
        for (let j = 0; j < a.length; j++) x[i + a[j]] = xa[r * a.length + j] + xa2[r * a.length + j];
        for (let j = 0; j < b.length; j++) x[i + b[j]] = xb[r * b.length + j];
      }
    },
  });
}

/** `[x[:, a], x[:, b]]`. */
export function splitColumns(cols: ColumnBlocks, x: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D] {
  return tf.engine().runKernel(COLUMNS_SPLIT, { x }, cols as unknown as tf.NamedAttrMap) as [tf.Tensor2D, tf.Tensor2D];
}

/** `x` with `x[:, a] = xa (+ xa2)` and `x[:, b] = xb`. */
export function joinColumns(cols: ColumnBlocks, xa: tf.Tensor2D, xb: tf.Tensor2D, xa2: tf.Tensor2D | null = null): tf.Tensor2D {
  const attrs = cols as unknown as tf.NamedAttrMap;
  // JavaScript kernels return a list of outputs, even of one.
  const [out] = (xa2 ? tf.engine().runKernel(COLUMNS_JOIN_ADD, { xa, xa2, xb }, attrs) : tf.engine().runKernel(COLUMNS_JOIN, { xa, xb }, attrs)) as tf.Tensor2D[];
  return out;
}
