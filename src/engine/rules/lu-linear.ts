/**
 * Tape-free rule of {@link LULinear}: the density direction `z = W y` on rows (`Z = Y Wᵀ`), `W = P L U`,
 * log-det `Σᵢ log Uᵢᵢ` per row, and its backward. With `dW = dZᵀ Y` and `M = L U`:
 * `dY = dZ W`, `dM = Pᵀ dW`, `dL = dM Uᵀ` (strictly lower part), `dU = Lᵀ dM` (strictly upper part),
 * and on the diagonal of the raw weight `(dUᵢᵢ · Uᵢᵢ + Σ_rows dLogDet) · d log Uᵢᵢ / d rawᵢᵢ`, where
 * `log Uᵢᵢ = raw` (`exp`) or `log((softplus(raw) + ε) / (softplus(0) + ε))` (`softplus`, slope
 * `σ(raw) / (softplus(raw) + ε)`). The factors are recomputed from the weight as `LULinear` does.
 */
import { tf } from '../../backend.js';
import type { LULinear } from '../../bijectors/lu-linear.js';
import { perExample } from '../../bijectors/bijector.js';
import { SOFTPLUS_EPS, logPositive } from '../../ops/positive.js';
import type { TapeFreeRule } from '../registry.js';

export const luLinearRule: TapeFreeRule<LULinear> = {
  unsupported: () => null,
  inverse(b, y) {
    const d = y.shape[1];
    const raw = b.lowerUpper as tf.Tensor2D;
    const eye = tf.eye(d) as tf.Tensor2D;
    const ones = tf.ones([d, d]);
    const strictLower = tf.sub(tf.linalg.bandPart(ones, -1, 0), eye) as tf.Tensor2D;
    const strictUpper = tf.sub(tf.linalg.bandPart(ones, 0, -1), eye) as tf.Tensor2D;
    const rawDiag = tf.sum(tf.mul(raw, eye), 1) as tf.Tensor1D;
    const logDiag = logPositive(b.diagonal, rawDiag) as tf.Tensor1D;
    const diag = tf.exp(logDiag) as tf.Tensor1D;
    const l = tf.add(tf.mul(raw, strictLower), eye) as tf.Tensor2D;
    const u = tf.add(tf.mul(raw, strictUpper), tf.mul(eye, diag)) as tf.Tensor2D;
    const m = tf.matMul(l, u);
    const perm = b.permutation;
    // (P v)[i] = v[perm[i]]: P M takes M's rows in the order perm.
    const w = perm ? (tf.gather(m, perm as number[], 0) as tf.Tensor2D) : m;
    const z = tf.matMul(y, tf.transpose(w)) as tf.Tensor2D;
    return {
      output: z,
      logDet: perExample(tf.sum(logDiag) as tf.Scalar, y.shape[0]),
      backward: (dz, dLogDet, sink, needInput) => {
        const dw = tf.matMul(tf.transpose(dz), y) as tf.Tensor2D;
        let dm = dw;
        if (perm) {
          const inverse = new Array<number>(d);
          perm.forEach((p, i) => (inverse[p] = i));
          dm = tf.gather(dw, inverse, 0) as tf.Tensor2D;
        }
        const dl = tf.matMul(dm, tf.transpose(u));
        const du = tf.matMul(tf.transpose(l), dm);
        const slope = b.diagonal === 'exp' ? null : tf.div(tf.sigmoid(rawDiag), tf.add(tf.softplus(rawDiag), SOFTPLUS_EPS));
        // d loss / d log Uᵢᵢ: through Uᵢᵢ = e^{log Uᵢᵢ} and through every row's log-det.
        const dLogDiag = tf.add(tf.mul(tf.sum(tf.mul(du, eye), 1), diag), tf.sum(dLogDet));
        const dRawDiag = slope ? tf.mul(dLogDiag, slope) : dLogDiag;
        sink.add(b.lowerUpper, tf.addN([tf.mul(dl, strictLower), tf.mul(du, strictUpper), tf.mul(eye, dRawDiag)]));
        return needInput ? (tf.matMul(dz, w) as tf.Tensor2D) : null;
      },
    };
  },
};
