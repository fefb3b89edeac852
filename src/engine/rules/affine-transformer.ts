/**
 * Tape-free rule of {@link AffineTransformer}: `z = (y − t) · e^{−ls}`, `log|dz/dy| = −ls`, with the
 * backward `dy = dz · e^{−ls}`, `dt = −dz · e^{−ls}`, `ds = (−dz · z − dLogDet) · dls/ds`, in the
 * fused affine kernels (cpu and wasm).
 */
import type { AffineTransformer } from '../../transformers/affine.js';
import { affineInverse, affineInverseGrad } from '../../kernels/affine.js';
import type { TransformerRule } from '../registry.js';

export const affineTransformerRule: TransformerRule<AffineTransformer> = {
  unsupported: () => null,
  inverse(t, y, params) {
    const attrs = t.kernelAttrs();
    const [output, logDet] = affineInverse(attrs, y, params);
    return {
      output,
      logDet,
      backward: (dOutput, dLogDet) => {
        const [dInput, dParams] = affineInverseGrad(attrs, y, params, dOutput, dLogDet);
        return { dInput, dParams };
      },
    };
  },
};

