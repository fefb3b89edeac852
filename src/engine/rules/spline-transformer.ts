/**
 * Tape-free rule of {@link SplineTransformer}: its density direction through the fused packed-parameter
 * kernel, and the gradient kernel (the hand-written adjoints of `transformers/rq-spline-backward.ts`),
 * called directly. The op-composed spline (`splinePath: 'ops'`, for tests) takes the tape.
 */
import type { tf } from '../../backend.js';
import { runKernel } from '../../kernels/dispatch.js';
import { RQ_SPLINE_PACKED_GRAD, splineFusedPacked } from '../../kernels/rq-spline.js';
import type { SplineTransformer } from '../../transformers/rq-spline-transformer.js';
import type { TransformerRule } from '../registry.js';

export const splineTransformerRule: TransformerRule<SplineTransformer> = {
  unsupported: (t) => (t.splinePath === 'ops' ? "splinePath 'ops' (the op-composed spline)" : null),
  inverse(t, y, params) {
    // The forward kernel leaves each element's bin and softmaxes here for the gradient kernel.
    const attrs = t.densityKernelAttrs(y.size);
    const [output, logDet] = splineFusedPacked(attrs, y, params) as [tf.Tensor2D, tf.Tensor2D];
    return {
      output,
      logDet,
      backward: (dOutputs, dLogDet) => {
        const inputs = { inputs: y, params, dOutputs, dLogDet };
        const [dInput, dParams] = runKernel(RQ_SPLINE_PACKED_GRAD, inputs, attrs as unknown as tf.NamedAttrMap) as [tf.Tensor2D, tf.Tensor3D];
        return { dInput, dParams };
      },
    };
  },
};
