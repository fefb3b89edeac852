import { describe, expect, it } from 'vitest';
import { ConditionalDiagNormal, Flow, Rng, Shift, StandardNormal, ValidationError, fit, maskedAutoregressiveFlow, tf } from '../../src/index.js';

describe('conditional bases in a Flow', () => {
  it('a Flow over a conditional base is conditional, and fit learns loc(c) ≈ 2c − 1 and scale ≈ 0.3', async () => {
    const base = new ConditionalDiagNormal(1, 1, { hidden: [16], seed: 1 });
    const flow = new Flow(base, new Shift([0]));
    expect(flow.contextDim).toBe(1);
    const rng = new Rng(2);
    const n = 4000;
    const c = Array.from({ length: n }, () => [rng.uniform()]);
    const x = c.map(([ci]) => [2 * ci - 1 + 0.3 * rng.normal()]);
    await fit(flow, x, { context: c, steps: 600, learningRate: 1e-2, standardize: false, progress: false, seed: 3 });
    const ct = tf.tensor2d([[0.1], [0.5], [0.9]]);
    const { loc, logScale } = tf.tidy(() => base.parameters(ct));
    const l = Array.from(loc.dataSync());
    const s = Array.from(logScale.dataSync()).map(Math.exp);
    [0.1, 0.5, 0.9].forEach((ci, i) => {
      expect(Math.abs(l[i] - (2 * ci - 1))).toBeLessThan(0.1);
      expect(Math.abs(s[i] - 0.3)).toBeLessThan(0.06);
    });
    // Samples at one context: mean loc(c).
    const smp = flow.sample(4000, { seed: 4, context: [[0.9]] });
    const mean = tf.mean(smp).dataSync()[0];
    expect(Math.abs(mean - 0.8)).toBeLessThan(0.1);
    tf.dispose([ct, loc, logScale, smp]);
    flow.dispose();
  });

  it('checks the context: shapes, a missing one, and a bijector of another context dimension', () => {
    const base = new ConditionalDiagNormal(2, 3, { hidden: [4] });
    expect(() => base.logProb(tf.zeros([2, 2]) as tf.Tensor2D)).toThrow(/ConditionalDiagNormal.logProb: argument 'context' must be a 2D tensor \[2, 3\]/);
    expect(() => new StandardNormal(2).sample(2, 1, tf.zeros([2, 1]) as tf.Tensor2D)).toThrow(/absent \(this distribution is unconditional\)/);
    const flow = new Flow(base, new Shift([0, 0]));
    expect(() => flow.logProb([[0, 0]])).toThrow(ValidationError);
    const maf = maskedAutoregressiveFlow({ dim: 2, layers: 1, hidden: [4], contextDim: 2, seed: 0 });
    expect(() => new Flow(base, maf.bijector)).toThrow(/context dimension 2/);
    // The same context dimension on both sides is fine: both see the context.
    const maf3 = maskedAutoregressiveFlow({ dim: 2, layers: 1, hidden: [4], contextDim: 3, seed: 0 });
    const both = new Flow(base, maf3.bijector);
    const lp = both.logProb([[0.5, 0.5]], [[1, 2, 3]]);
    expect(Number.isFinite(lp.dataSync()[0])).toBe(true);
    lp.dispose();
    both.dispose();
    maf.dispose();
  });
});
