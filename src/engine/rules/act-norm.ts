/**
 * Tape-free rule of {@link ActNorm}: the density direction `z = (y − shift) · e^{−ls}`, log-det
 * `−Σⱼ lsⱼ` per row, and its backward
 * `dy = dz · e^{−ls}`, `dshift = −Σᵢ dyᵢ`, `dls = −Σᵢ dzᵢ ⊙ zᵢ − Σᵢ dLogDetᵢ`.
 * An uninitialised layer is initialised from this first batch exactly as the tape path's first call
 * does (through the layer's own `inverse`), then used as it is.
 */
import { tf } from '../../backend.js';
import type { ActNorm } from '../../bijectors/act-norm.js';
import { perExample } from '../../bijectors/bijector.js';
import type { TapeFreeRule } from '../registry.js';

export const actNormRule: TapeFreeRule<ActNorm> = {
  unsupported: () => null,
  inverse(b, y) {
    // Data-dependent initialisation: the layer's own pass sets the weights from y (values only).
    if (!b.isInitialized) b.inverse(y);
    const scale = tf.exp(tf.neg(b.logScale)) as tf.Tensor1D;
    const z = tf.mul(tf.sub(y, b.shift), scale) as tf.Tensor2D;
    return {
      output: z,
      logDet: perExample(tf.neg(tf.sum(b.logScale)) as tf.Scalar, y.shape[0]),
      backward: (dz, dLogDet, sink, needInput) => {
        const dy = tf.mul(dz, scale) as tf.Tensor2D;
        sink.add(b.shift, tf.neg(tf.sum(dy, 0)));
        sink.add(b.logScale, tf.sub(tf.neg(tf.sum(tf.mul(dz, z), 0)), tf.sum(dLogDet)));
        return needInput ? dy : null;
      },
    };
  },
};
