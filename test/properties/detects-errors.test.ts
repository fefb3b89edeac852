/**
 * The property measurement must fail on wrong maps (a property test that cannot fail is a defect):
 * an inverse off by one part in 10⁵, and a log-det off by 10⁻⁴, each at the sizes the properties use.
 */
import { describe, expect, it } from 'vitest';
import { Bijector, type BijectorResult, type JsonObject, tf } from '../../src/index.js';
import { expectBijectorProperties } from '../helpers/properties.js';

/** y = 2x with optional defects in the inverse and in the forward log-det. */
class Doubling extends Bijector {
  readonly className = 'Doubling';
  constructor(private readonly defect: { inverse?: number; logDet?: number }) {
    super({ dim: null });
  }
  getConfig(): JsonObject {
    return {};
  }
  protected _forward(x: tf.Tensor2D): BijectorResult {
    return { output: tf.mul(x, 2), logDet: tf.fill([x.shape[0]], x.shape[1] * Math.log(2) + (this.defect.logDet ?? 0)) as tf.Tensor1D };
  }
  protected _inverse(y: tf.Tensor2D): BijectorResult {
    return { output: tf.mul(y, 0.5 * (1 + (this.defect.inverse ?? 0))), logDet: tf.fill([y.shape[0]], -y.shape[1] * Math.log(2)) as tf.Tensor1D };
  }
}

const x = [[0.5, -1.25, 3], [2, 0.1, -0.7]];
const tol = { roundTrip: 4, logDet: 16 };

describe('expectBijectorProperties', () => {
  it('passes the exact map', () => {
    expect(() => expectBijectorProperties(new Doubling({}), x, undefined, tol)).not.toThrow();
  });
  it('fails an inverse off by 1e-5 relative', () => {
    expect(() => expectBijectorProperties(new Doubling({ inverse: 1e-5 }), x, undefined, tol)).toThrow(/round trip/);
  });
  it('fails a forward log-det off by 1e-4', () => {
    expect(() => expectBijectorProperties(new Doubling({ logDet: 1e-4 }), x, undefined, tol)).toThrow(/log-det/);
  });
});
