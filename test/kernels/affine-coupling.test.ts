// The one-pass affine coupling kernel (Coupling's inference path) against a float64 reference of the
// same maths: transformed columns, passed-through columns and the summed log-det, both directions.
import { describe, expect, it } from 'vitest';
import { AffineTransformer, Rng, tf } from '../../src/index.js';
import { affineCouplingApply } from '../../src/kernels/affine-coupling.js';
import { affineLogScale64 as logScale64 } from '../helpers/math.js';


describe.each([
  ['exp', 3],
  ['exp', null],
  ['softplus', 3],
] as const)('affineCouplingApply (scale %s, clamp %s)', (scale, clamp) => {
  const t = new AffineTransformer({ scale, clamp });
  const rows = 7;
  const dim = 5;
  const moved = [3, 0, 4]; // scattered, out of order
  const rng = new Rng(11);
  const x = rng.normals(rows * dim).map((v) => 2 * v);
  const raw = rng.normals(rows * 2 * moved.length).map((v) => 4 * v);

  it.each(['forward', 'inverse'] as const)('%s equals the float64 reference', (direction) => {
    const xt = tf.tensor2d(x, [rows, dim]);
    const rt = tf.tensor2d(raw, [rows, 2 * moved.length]);
    const out = affineCouplingApply(t.kernelAttrs(), xt, rt, moved, direction);
    tf.dispose([xt, rt]);
    expect(out).not.toBeNull();
    const y = out!.output.dataSync();
    const ld = out!.logDet.dataSync();
    expect(out!.output.shape).toEqual([rows, dim]);
    expect(out!.logDet.shape).toEqual([rows]);
    for (let i = 0; i < rows; i++) {
      const expected = Array.from(x.slice(i * dim, (i + 1) * dim));
      let sum = 0;
      moved.forEach((c, j) => {
        const shift = raw[i * 2 * moved.length + 2 * j];
        const ls = logScale64(scale, clamp, raw[i * 2 * moved.length + 2 * j + 1]);
        expected[c] = direction === 'forward' ? expected[c] * Math.exp(ls) + shift : (expected[c] - shift) * Math.exp(-ls);
        sum += direction === 'forward' ? ls : -ls;
      });
      for (let c = 0; c < dim; c++) expect(Math.abs(y[i * dim + c] - expected[c])).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(expected[c])));
      expect(Math.abs(ld[i] - sum)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(sum)));
    }
    tf.dispose([out!.output, out!.logDet]);
  });
});
