import { describe, expect, it } from 'vitest';
import { Permute, Rng, StudentT, TailAdaptiveBase, ValidationError, estimateTails, flowFromJSON, flowToJSON, tailAdaptiveFlow, tf } from '../../src/index.js';
import { gaussianLogPdf } from '../helpers/math.js';
import { perturbFlow } from '../helpers/perturb-flow.js';
import { studentTLogPdf } from '../distributions/distribution-cases.js';

const small = { hidden: [16, 16], bins: 4, tailBound: 2 };

describe('tailAdaptiveFlow', () => {
  it('starts as its base with the columns restored: Gaussian light columns, Student-t heavy ones (df given in the caller\'s order)', () => {
    const flow = tailAdaptiveFlow({ dim: 4, heavy: [3, 1], df: [2, 6], scale: [0.5, 1.5], layers: 2, ...small, seed: 1 });
    const base = flow.base as TailAdaptiveBase;
    // Data side: light columns 0, 2, then heavy 1, 3; the one full reversal between the two layers puts
    // columns 3, 1, 2, 0 at latent positions 0–3, so the heavy dimensions are 0 (column 3: ν = 2, s = 0.5) and 1.
    expect(base.heavy).toEqual([0, 1]);
    base.df.forEach((v, i) => expect(v).toBeCloseTo([2, 6][i], 5));
    base.scale.forEach((v, i) => expect(v).toBeCloseTo([0.5, 1.5, 1, 1][i], 5));
    const x = [[0.3, -2.5, 1.1, 7], [-1, 0.5, 0, -0.2]];
    const lp = Array.from(flow.logProb(x).dataSync());
    x.forEach((row, r) => {
      const want = gaussianLogPdf([row[0], row[2]], [0, 0], [1, 1]) + studentTLogPdf(row[1], 6, 0, 1.5) + studentTLogPdf(row[3], 2, 0, 0.5);
      expect(Math.abs(lp[r] - want)).toBeLessThan(1e-4 * Math.abs(want));
    });
    flow.dispose();
  });

  it('every column beyond the tail bound passes all layers unchanged, and inside it stays inside (so each marginal tail is its base marginal\'s)', () => {
    const B = small.tailBound;
    for (const layers of [2, 3, 4]) {
      const flow = tailAdaptiveFlow({ dim: 5, heavy: [0, 3], layers, ...small, seed: 6 });
      perturbFlow(flow, 9, 0.3);
      const permutes = (flow.bijector as unknown as { bijectors: unknown[] }).bijectors.filter((b): b is Permute => b instanceof Permute);
      expect(permutes.length).toBe(layers); // the restore, then one full reversal between layers
      for (const p of permutes.slice(1)) expect(p.permutation).toEqual([4, 3, 2, 1, 0]);
      // Data side columns 1, 2, 4 | 0, 3; after layers − 1 reversals, latent position k holds this column:
      const order = [1, 2, 4, 0, 3];
      const columnAt = (layers - 1) % 2 === 0 ? order : [...order].reverse();
      expect((flow.base as TailAdaptiveBase).heavy).toEqual(columnAt.flatMap((c, k) => (c === 0 || c === 3 ? [k] : [])));
      const z = tf.randomNormal([400, 5], 0, 2.5, 'float32', layers) as tf.Tensor2D;
      const zv = z.arraySync();
      const xv = tf.tidy(() => flow.forwardUnchecked(z).output.arraySync());
      let beyond = 0;
      zv.forEach((row, r) =>
        row.forEach((v, k) => {
          const out = xv[r][columnAt[k]];
          if (Math.abs(v) > B + 1e-4) {
            beyond++;
            expect(out).toBe(v);
          } else if (Math.abs(v) < B - 1e-4) expect(Math.abs(out)).toBeLessThanOrEqual(B + 1e-5);
        }),
      );
      expect(beyond).toBeGreaterThan(400); // about 42 % of the 2,000 values
      // The splines did move the values inside the bound (the perturbation is not a no-op).
      expect(zv.some((row, r) => row.some((v, k) => Math.abs(v) < B && Math.abs(xv[r][columnAt[k]] - v) > 1e-2))).toBe(true);
      z.dispose();
      flow.dispose();
    }
  });

  it('layout grouped keeps the groups apart: no light output depends on a heavy latent (autodiff Jacobian block is exactly 0)', () => {
    const flow = tailAdaptiveFlow({ dim: 5, heavy: [0, 3], layers: 3, layout: 'grouped', permutation: 'random', ...small, seed: 2 });
    perturbFlow(flow, 5, 0.3);
    const permutes = (flow.bijector as unknown as { bijectors: unknown[] }).bijectors.filter((b): b is Permute => b instanceof Permute);
    expect(permutes[0].permutation).toEqual([3, 0, 1, 4, 2]); // restore: ordered space is columns 1, 2, 4 | 0, 3
    for (const p of permutes.slice(1)) expect(p.permutation.slice(0, 3).every((v) => v < 3)).toBe(true);
    const z = tf.randomNormal([6, 5], 0, 1.5, 'float32', 3) as tf.Tensor2D;
    for (const lightCol of [1, 2, 4]) {
      const g = tf.grad((zz: tf.Tensor) => tf.sum(tf.slice(flow.forwardUnchecked(zz as tf.Tensor2D).output, [0, lightCol], [-1, 1])))(z);
      const gv = g.arraySync() as number[][];
      // Latent positions 3, 4 are the heavy group (ordered space); positions 0–2 the light one.
      for (const row of gv) {
        expect(row[3]).toBe(0);
        expect(row[4]).toBe(0);
      }
      expect(gv.some((row) => row.slice(0, 3).some((v) => Math.abs(v) > 1e-3))).toBe(true);
      g.dispose();
    }
    z.dispose();
    flow.dispose();
  });

  it('a trained-looking (perturbed) flow keeps heavy marginals heavy (Hill ≈ 1/ν) and light ones light', () => {
    const flow = tailAdaptiveFlow({ dim: 3, heavy: [1], df: 2, layers: 2, ...small, seed: 3 });
    perturbFlow(flow, 6, 0.2);
    const s = flow.sample(40000, { seed: 4 });
    const hill = estimateTails(s, { method: 'hill', k: 200 });
    const moments = estimateTails(s, { method: 'moments', k: 400 });
    // The perturbation moved ν too: the sample's tail index is the base's 1/ν.
    const nu = (flow.base as TailAdaptiveBase).df[0];
    expect(nu).toBeGreaterThan(1.2);
    expect(nu).toBeLessThan(3.5);
    expect(Math.abs(hill.tailIndex[1] - 1 / nu)).toBeLessThan(0.12);
    expect(moments.tailIndex[0]).toBeLessThan(0.15);
    expect(moments.tailIndex[2]).toBeLessThan(0.15);
    s.dispose();
    flow.dispose();
  });

  it('from data: estimates the tails, standardises, and scales the heavy base to the standardised tail', () => {
    const rng = new Rng(8);
    const t = new StudentT(1, { df: 2, scale: 3 }).sample(20000, rng.fork());
    const tv = t.dataSync();
    const x = Array.from({ length: 20000 }, (_, i) => [rng.normal(), tv[i]]);
    const flow = tailAdaptiveFlow({ dim: 2, data: x, layers: 1, ...small, seed: 5 });
    const base = flow.base as TailAdaptiveBase;
    const std = flow.standardization!.std;
    expect(base.heavy).toEqual([1]);
    expect(Math.abs(std[0] - 1)).toBeLessThan(0.03);
    expect(Math.abs(base.df[0] - 2)).toBeLessThan(0.7);
    // Data scale 3 (tail-matched), seen through the standardisation: 3 / std.
    expect(Math.abs(base.scale[1] * std[1] - 3) / 3).toBeLessThan(0.3);
    expect(base.scale[0]).toBe(1);
    t.dispose();
    flow.dispose();
  });

  it('saves and loads', () => {
    const flow = tailAdaptiveFlow({ dim: 3, heavy: [0], df: 3, layers: 2, ...small, seed: 4 });
    perturbFlow(flow, 7, 0.2);
    const loaded = flowFromJSON(JSON.stringify(flowToJSON(flow)));
    const x = [[0.5, 1, -3], [10, -0.1, 0.2]];
    expect(Array.from(loaded.logProb(x).dataSync())).toEqual(Array.from(flow.logProb(x).dataSync()));
    flow.dispose();
    loaded.dispose();
  });

  it('validates its options', () => {
    expect(() => tailAdaptiveFlow({ dim: 3, heavy: [3] })).toThrow(ValidationError);
    expect(() => tailAdaptiveFlow({ dim: 3, heavy: [1, 1] })).toThrow(/distinct column indices/);
    expect(() => tailAdaptiveFlow({ dim: 3, heavy: [1], df: [1, 2] })).toThrow(/options.df/);
    expect(() => tailAdaptiveFlow({ dim: 3, heavy: [1], scale: [1, 2] })).toThrow(/options.scale/);
    expect(() => tailAdaptiveFlow({ dim: 3, heavy: [1], scale: 0 })).toThrow(/options.scale\[0\]' must be a finite number > 0/);
    expect(() => tailAdaptiveFlow({ dim: 3, heavy: [1], normalization: 'actnorm' } as never)).toThrow(/unknown option "normalization"/);
    expect(() => tailAdaptiveFlow({ dim: 3, heavy: [1], layout: 'mixed' as never })).toThrow(/options.layout/);
    expect(() => tailAdaptiveFlow({ dim: 3, heavy: [1], permutation: 'random' })).toThrow(/options.permutation' must be left out with layout 'alternating'.*layout: 'grouped'/);
  });
});
