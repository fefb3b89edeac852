import { describe, expect, it } from 'vitest';
import { Rng, ValidationError, energies, tf } from '../../src/index.js';
import { type Box, energies64, logTrapezoid2d, ringOfEightLogZ, wall64 } from '../helpers/energies64.js';
import { expectNoLeak } from '../helpers/leaks.js';

const all = Object.values(energies);

describe.each(all.map((e) => [e.name, e] as const))('energies.%s', (name, e) => {
  it('log Z recomputed on a grid twice as coarse (spacing 0.02) agrees within logZError', () => {
    const box = e.box as Box;
    const nodes = (lo: number, hi: number) => Math.round((hi - lo) / 0.02) + 1;
    const logZ = logTrapezoid2d(energies64[name], box, nodes(...box[0]), nodes(...box[1]));
    expect(Math.abs(logZ - e.logZ)).toBeLessThanOrEqual(e.logZError);
    // The grid stated is spacing 0.01 over the box.
    expect(e.grid).toEqual([nodes(...box[0]) * 2 - 1, nodes(...box[1]) * 2 - 1]);
  });

  it('logDensity (float32 TF.js) matches the float64 formula within 1e-5 · max(1, |log p̃|)', () => {
    const rng = new Rng(`energy:${name}`);
    const [[x0, x1], [y0, y1]] = e.box;
    const pts = Array.from({ length: 400 }, (_, i) =>
      i % 2 ? [x0 + (x1 - x0) * rng.uniform(), y0 + (y1 - y0) * rng.uniform()] : [2.5 * rng.normal(), 2.5 * rng.normal()],
    );
    const x = tf.tensor2d(pts);
    const got = e.logDensity(x).dataSync();
    pts.forEach(([a, b], i) => {
      const want = energies64[name](Math.fround(a), Math.fround(b));
      expect(Math.abs(got[i] - want)).toBeLessThan(1e-5 * Math.max(1, Math.abs(want)));
    });
    x.dispose();
  });

  it('is differentiable (finite gradients) and leaks no tensors', () => {
    const x = tf.tensor2d([[0.3, -1.2], [2.1, 0.4], [-4.5, 1], [5, -3]]);
    expectNoLeak(() => e.logDensity(x));
    const g = tf.grad((v: tf.Tensor) => tf.sum(e.logDensity(v as tf.Tensor2D)))(x);
    expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([x, g]);
  });

  it('rejects a non-[n, 2] input with a ValidationError naming x', () => {
    const bad = tf.zeros([3, 3]) as tf.Tensor2D;
    expect(() => e.logDensity(bad)).toThrow(ValidationError);
    expect(() => e.logDensity(bad)).toThrow(new RegExp(`energies\\.${name}\\.logDensity: argument 'x' must be a 2D tensor \\[n, 2\\]`));
    bad.dispose();
  });
});

describe('energy references', () => {
  it('ring of eight: quadrature log Z equals the closed form log(8 · 2πσ²) within logZError', () => {
    expect(Math.abs(energies.ringOfEight.logZ - ringOfEightLogZ)).toBeLessThanOrEqual(energies.ringOfEight.logZError);
  });

  it('U2–U4: the confining wall is below 3e-4 for |z₁| ≤ 3.7 and grows like ½((|z₁| − 4)/0.25)² (within 1%) beyond 4.5', () => {
    for (let z1 = -3.7; z1 <= 3.7; z1 += 0.01) expect(wall64(z1)).toBeLessThan(3e-4);
    for (const z1 of [4.5, 5, -6]) expect(Math.abs(wall64(z1) / (0.5 * ((Math.abs(z1) - 4) / 0.25) ** 2) - 1)).toBeLessThan(0.01);
  });
});
