import { describe, expect, it } from 'vitest';
import {
  AffineCoupling, Coupling, type JsonObject, Rng, type Transformer, type TransformerResult, ValidationError, bijectorFromConfig, halfMask, tf,
} from '../../src/index.js';
import { perturbed } from '../helpers/bijector-cases.js';
import { expectNoLeak } from '../helpers/leaks.js';

/** Test-only transformer with 3 parameters per dimension: y = x + p₀ + 2 p₂ (p₁ unused), log-det 0. */
class ShiftBy3 implements Transformer {
  readonly className = 'ShiftBy3';
  readonly paramsPerDim = 3;
  getConfig(): JsonObject {
    return {};
  }
  private shift(params: tf.Tensor3D): tf.Tensor2D {
    const [b, d] = params.shape;
    const [p0, , p2] = tf.split(params, 3, 2);
    return tf.reshape(tf.add(p0, tf.mul(2, p2)), [b, d]) as tf.Tensor2D;
  }
  forward(x: tf.Tensor2D, params: tf.Tensor3D): TransformerResult {
    return { output: tf.add(x, this.shift(params)) as tf.Tensor2D, logDet: tf.zerosLike(x) as tf.Tensor2D };
  }
  inverse(y: tf.Tensor2D, params: tf.Tensor3D): TransformerResult {
    return { output: tf.sub(y, this.shift(params)) as tf.Tensor2D, logDet: tf.zerosLike(y) as tf.Tensor2D };
  }
}

const mask5 = [true, false, false, true, false];
const rows = (rng: Rng, n: number, d: number) => tf.tensor2d(rng.normals(n * d), [n, d]);

describe('AffineCoupling', () => {
  it('starts as exactly the identity in both directions', () => {
    const layer = new AffineCoupling({ mask: mask5, hidden: [8], contextDim: 2, seed: 1 });
    const x = rows(new Rng('id'), 6, 5);
    const ctx = rows(new Rng('idc'), 6, 2);
    for (const dir of ['forward', 'inverse'] as const) {
      const r = layer[dir](x, ctx);
      expect(Array.from(r.output.dataSync())).toEqual(Array.from(x.dataSync()));
      expect(Array.from(r.logDet.dataSync()).every((v) => v === 0)).toBe(true);
      tf.dispose(r);
    }
    tf.dispose([x, ctx]);
    layer.dispose();
  });

  it('passes masked dimensions through bit for bit and transforms the others by x · exp(3 tanh(s/3)) + t, (t, s) = MLP(x_A, context)', () => {
    const layer = perturbed(new AffineCoupling({ mask: mask5, hidden: [8, 8], contextDim: 2, seed: 2 }), 'wiring');
    const rng = new Rng('wiring-x');
    const x = rows(rng, 10, 5);
    const ctx = rows(rng, 10, 2);
    const r = layer.forward(x, ctx);
    const xa = tf.tidy(() => tf.concat([tf.slice(x, [0, 0], [-1, 1]), tf.slice(x, [0, 3], [-1, 1])], 1));
    const raw = tf.tidy(() => layer.conditioner.apply(xa, ctx)).dataSync(); // [10, 3·2]: (t, s) per transformed dim
    const xv = x.dataSync();
    const yv = r.output.dataSync();
    const ld = r.logDet.dataSync();
    const moved = [1, 2, 4];
    let maxLogDet = 0;
    for (let b = 0; b < 10; b++) {
      let sum = 0;
      moved.forEach((d, k) => {
        const t = raw[b * 6 + 2 * k];
        const l = 3 * Math.tanh(raw[b * 6 + 2 * k + 1] / 3);
        sum += l;
        expect(Math.abs(yv[b * 5 + d] - (xv[b * 5 + d] * Math.exp(l) + t))).toBeLessThan(1e-5);
      });
      for (const d of [0, 3]) expect(yv[b * 5 + d]).toBe(xv[b * 5 + d]);
      expect(Math.abs(ld[b] - sum)).toBeLessThan(1e-5);
      maxLogDet = Math.max(maxLogDet, Math.abs(sum));
    }
    expect(maxLogDet).toBeGreaterThan(0.05); // the perturbation makes a non-trivial map
    tf.dispose([x, ctx, r, xa]);
    layer.dispose();
  });

  it('depends on the context, and requires it when built with contextDim', () => {
    const layer = perturbed(new AffineCoupling({ mask: halfMask(4), hidden: [8], contextDim: 3, seed: 3 }), 'ctx');
    const x = rows(new Rng('cx'), 5, 4);
    const c1 = tf.zeros([5, 3]) as tf.Tensor2D;
    const c2 = tf.ones([5, 3]) as tf.Tensor2D;
    const a = tf.tidy(() => layer.inverse(x, c1).output);
    const b = tf.tidy(() => layer.inverse(x, c2).output);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b)))).dataSync()[0];
    expect(diff).toBeGreaterThan(1e-3);
    expect(() => layer.inverse(x)).toThrow(ValidationError);
    expect(() => layer.forward(x, tf.zeros([5, 2]) as tf.Tensor2D)).toThrow(/context/);
    tf.dispose([x, c1, c2, a, b]);
    layer.dispose();
  });

  it('keeps outputs, log-dets and gradients finite with large weights (soft clamp)', () => {
    const layer = perturbed(new AffineCoupling({ mask: mask5, hidden: [16, 16], seed: 4 }), 'large', 50);
    const x = rows(new Rng('lx'), 16, 5);
    const { value, grads } = tf.variableGrads(() => tf.tidy(() => {
      const r = layer.inverse(x);
      return tf.add(tf.mean(r.logDet), tf.mean(tf.square(r.output))) as tf.Scalar;
    }));
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    for (const g of Object.values(grads)) expect(g.dataSync().every((v) => Number.isFinite(v))).toBe(true);
    tf.dispose([value, ...Object.values(grads), x]);
    layer.dispose();
  });

  it('serialises its scale options flat and rebuilds', () => {
    const layer = new AffineCoupling({ mask: [0, 1, 1], hidden: [4], scale: 'softplus', activation: 'elu' });
    const s = layer.serialize();
    expect(s).toEqual({ className: 'AffineCoupling', config: { mask: [0, 1, 1], hidden: [4], activation: 'elu', contextDim: 0, scale: 'softplus', clamp: 3 } });
    const copy = bijectorFromConfig(s);
    expect(copy.serialize()).toEqual(s);
    copy.dispose();
    layer.dispose();
  });

  it('rejects bad masks and options with ValidationError', () => {
    expect(() => new AffineCoupling({ mask: [true, true] })).toThrow(/at least one pass-through and one transformed/);
    expect(() => new AffineCoupling({ mask: [1] })).toThrow(ValidationError);
    expect(() => new AffineCoupling({ mask: [1, 2] as never })).toThrow(ValidationError);
    expect(() => new AffineCoupling(undefined as never)).toThrow(ValidationError);
    expect(() => new AffineCoupling({ mask: [1, 0], hiden: [2] } as never)).toThrow(/unknown option "hiden"/);
    expect(() => new Coupling({} as never, { mask: [1, 0] })).toThrow(/a Transformer/);
    expect(() => halfMask(1)).toThrow(ValidationError);
  });
});

describe('Coupling (generic over the transformer)', () => {
  it('feeds any transformer [batch, transformed, paramsPerDim] parameters from the conditioner', () => {
    const layer = perturbed(new Coupling(new ShiftBy3(), { mask: [0, 1, 0, 1], hidden: [6] }), 'generic');
    const x = rows(new Rng('gx'), 4, 4);
    const r = layer.forward(x);
    const xa = tf.tidy(() => tf.concat([tf.slice(x, [0, 1], [-1, 1]), tf.slice(x, [0, 3], [-1, 1])], 1));
    const raw = tf.tidy(() => layer.conditioner.apply(xa, null)).dataSync(); // [4, 2·3]
    const xv = x.dataSync();
    const yv = r.output.dataSync();
    for (let b = 0; b < 4; b++) {
      [0, 2].forEach((d, k) => {
        const shift = raw[b * 6 + 3 * k] + 2 * raw[b * 6 + 3 * k + 2];
        expect(Math.abs(yv[b * 4 + d] - (xv[b * 4 + d] + shift))).toBeLessThan(1e-5);
      });
    }
    expect(layer.conditioner.outputs).toBe(6);
    tf.dispose([x, r, xa]);
    layer.dispose();
  });

  it('leaks no tensors in either direction or under gradients', () => {
    const layer = perturbed(new AffineCoupling({ mask: mask5, hidden: [8], seed: 5 }), 'leak');
    const x = rows(new Rng('leak'), 3, 5);
    expectNoLeak(() => layer.forward(x));
    expectNoLeak(() => layer.inverse(x));
    expectNoLeak(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(layer.inverse(x).logDet) as tf.Scalar);
      return [value, ...Object.values(grads)];
    });
    x.dispose();
    layer.dispose();
  });
});
