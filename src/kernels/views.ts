/**
 * `reshapeView(x, shape)`: the same data under another shape (what the cpu and wasm `Reshape` kernels
 * return: a new tensor sharing `x`'s data id, its reference count raised), without a kernel dispatch.
 *
 * Why: the tape-free training step reshapes about a hundred times per step (every fused matMul takes
 * rank-3 operands); through `tf.reshape` each costs an engine dispatch. Not recorded on a gradient tape:
 * for the tape-free path only. The caller's `tf.tidy` owns the view like any tensor.
 */
import { tf } from '../backend.js';

interface RefCountingBackend {
  incRef(dataId: object): void;
}

/** `x` viewed as `shape` (same number of elements; not checked: internal use with computed shapes). */
export function reshapeView<T extends tf.Tensor>(x: tf.Tensor, shape: number[]): T {
  const engine = tf.engine();
  (engine.backend as unknown as RefCountingBackend).incRef(x.dataId);
  return engine.makeTensorFromTensorInfo({ dataId: x.dataId, shape, dtype: x.dtype }) as T;
}
