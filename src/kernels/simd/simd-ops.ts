/**
 * TF.js kernels (wasm backend only) around the SIMD functions of kernels.wat, and the ops that pick
 * them when they apply, else a plain path: `transpose2d(x) = xᵀ` and `denseGradSimd` (a dense layer's
 * ReLU or linear backward: `dPre`, `dPreᵀ`, `dBias`). Not differentiable (the tape-free step writes
 * its own backward pass).
 */
import { tf } from '../../backend.js';
import { type WasmBackendInternals, heapOffset, simdKernels } from './simd-kernels.js';

export const TRANSPOSE_SIMD = 'TfjsFlowsTransposeSimd';
export const DENSE_GRAD_SIMD = 'TfjsFlowsDenseGradSimd';

let registered = false;

function ensureSimdKernels(): void {
  if (registered) return;
  registered = true;
  if (tf.getKernel(TRANSPOSE_SIMD, 'wasm') === undefined) {
    tf.registerKernel({
      kernelName: TRANSPOSE_SIMD,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend }) => {
        const b = backend as unknown as WasmBackendInternals;
        const x = inputs.x as tf.TensorInfo;
        const [rows, cols] = x.shape;
        heapOffset(b, x); // before allocating: the lookup may move x onto the heap
        const out = b.makeOutput([cols, rows], 'float32');
        simdKernels()!.transpose(heapOffset(b, x), heapOffset(b, out), rows, cols);
        return out;
      },
    });
  }
  if (tf.getKernel(DENSE_GRAD_SIMD, 'wasm') === undefined) {
    tf.registerKernel({
      kernelName: DENSE_GRAD_SIMD,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as unknown as WasmBackendInternals;
        const dy = inputs.dy as tf.TensorInfo;
        const saved = inputs.saved as tf.TensorInfo;
        heapOffset(b, dy);
        heapOffset(b, saved);
        const [batch, n] = dy.shape;
        const outs = [b.makeOutput([batch, n], 'float32'), b.makeOutput([n, batch], 'float32'), b.makeOutput([n], 'float32')];
        // Offsets are read after every allocation (they are stable; only JS views on the heap go stale).
        simdKernels()!.denseGrad(heapOffset(b, dy), heapOffset(b, saved), heapOffset(b, outs[0]), heapOffset(b, outs[1]), heapOffset(b, outs[2]), batch, n, attrs?.relu ? 1 : 0);
        return outs;
      },
    });
  }
}

/** Whether the SIMD path applies to a `[rows, cols]` float32 matrix on the active backend. */
function simdApplies(x: tf.Tensor, ...dims: number[]): boolean {
  return x.dtype === 'float32' && dims.every((d) => d % 4 === 0 && d > 0) && simdKernels() !== null;
}

/** `xᵀ` for `x` `[rows, cols]`: the SIMD kernel on wasm when both sizes are multiples of 4, else `tf.transpose`. */
export function transpose2d(x: tf.Tensor2D): tf.Tensor2D {
  if (!simdApplies(x, x.shape[0], x.shape[1])) return tf.transpose(x);
  ensureSimdKernels();
  return tf.engine().runKernel(TRANSPOSE_SIMD, { x }) as tf.Tensor2D;
}

/**
 * `[dPre, dPreᵀ, dBias]` of a dense layer's backward for `activation` relu (`saved` is its output) or
 * linear, from `dy` `[B, n]`, by the SIMD kernel; `null` where it does not apply (another backend or
 * activation, `n` or `B` not a multiple of 4). `dBias` is summed in float32 in row order.
 */
export function denseGradSimd(activation: string, dy: tf.Tensor2D, saved: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D] | null {
  if ((activation !== 'relu' && activation !== 'linear') || !simdApplies(dy, dy.shape[0], dy.shape[1])) return null;
  ensureSimdKernels();
  return tf.engine().runKernel(DENSE_GRAD_SIMD, { dy, saved }, { relu: activation === 'relu' }) as unknown as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
}
