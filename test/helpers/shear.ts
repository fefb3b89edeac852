/**
 * A unit lower-triangular linear bijector for tests (not part of the library): forward `y = x (I + L)ᵀ`,
 * i.e. `yᵢ = xᵢ + Σ_{j<i} Lᵢⱼ xⱼ`, with `L` the strictly lower triangle of a trainable `[dim, dim]`
 * weight (its other entries are ignored). Volume preserving. Between two diagonal `Affine`s it gives a
 * flow that can represent every Gaussian (its Cholesky factor), so reverse-KL tests can use correlated
 * targets.
 */
import { Bijector, type BijectorResult, type JsonObject, tf } from '../../src/index.js';

export class Shear extends Bijector {
  readonly className = 'Shear';
  readonly w: tf.Variable;
  private readonly mask: tf.Tensor2D;

  constructor(dim: number, initial?: number[][]) {
    super({ dim });
    this.w = this.addWeight('w', () => (initial ? tf.tensor2d(initial) : tf.zeros([dim, dim])));
    this.mask = tf.tidy(() => tf.sub(tf.linalg.bandPart(tf.ones([dim, dim]), -1, 0), tf.eye(dim))) as tf.Tensor2D;
  }

  getConfig(): JsonObject {
    return { dim: this.dim };
  }

  override dispose(): void {
    super.dispose();
    this.mask.dispose();
  }

  private lower(): tf.Tensor2D {
    return tf.mul(this.w, this.mask) as tf.Tensor2D;
  }

  protected _forward(x: tf.Tensor2D): BijectorResult {
    const output = tf.add(x, tf.matMul(x, tf.transpose(this.lower()))) as tf.Tensor2D;
    return { output, logDet: tf.zeros([x.shape[0]]) as tf.Tensor1D };
  }

  /** Forward substitution, one column at a time: xᵢ = yᵢ − Σ_{j<i} Lᵢⱼ xⱼ. */
  protected _inverse(y: tf.Tensor2D): BijectorResult {
    const dim = this.dim!;
    const lower = this.lower();
    const cols: tf.Tensor2D[] = [];
    for (let i = 0; i < dim; i++) {
      let xi = tf.slice(y, [0, i], [-1, 1]) as tf.Tensor2D;
      if (i > 0) {
        const known = tf.concat(cols, 1);
        const row = tf.slice(lower, [i, 0], [1, i]);
        xi = tf.sub(xi, tf.sum(tf.mul(known, row), 1, true)) as tf.Tensor2D;
      }
      cols.push(xi);
    }
    return { output: tf.concat(cols, 1) as tf.Tensor2D, logDet: tf.zeros([y.shape[0]]) as tf.Tensor1D };
  }
}
