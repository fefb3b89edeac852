/**
 * The reverse-KL gradient estimators against closed forms, on q = N(m, diag s²) (an Affine on a
 * standard normal, weights shift = m and logScale = log s) and a diagonal Gaussian target
 * p = N(μ, diag σ²) given unnormalised. Then KL(q‖p) = Σⱼ [log(σⱼ/sⱼ) + (sⱼ² + (mⱼ − μⱼ)²)/(2σⱼ²) − ½], so
 *   ∂KL/∂mⱼ = (mⱼ − μⱼ)/σⱼ²,   ∂KL/∂log sⱼ = sⱼ²/σⱼ² − 1.
 * Per sample x = m + s z, the standard estimator's gradient is ∂m: (x − μ)/σ², ∂log s: −1 + (x − μ) s z/σ²;
 * the path estimator drops the score term (z/s for m, z² − 1 for log s).
 */
import { describe, expect, it } from 'vitest';
import { Affine, Flow, Rng, StandardNormal, tf } from '../../src/index.js';
import { reverseKlTerms } from '../../src/train/reverse-kl.js';

const MU = [1, -2];
const SIGMA = [0.5, 2];
const logTarget = (x: tf.Tensor2D) => tf.mul(-0.5, tf.sum(tf.square(tf.div(tf.sub(x, MU), SIGMA)), 1)) as tf.Tensor1D;

function makeFlow(shift: number[], scale: number[]) {
  const affine = new Affine(2, { shift, scale });
  return { flow: new Flow(new StandardNormal(2), affine), vars: affine.trainableVariables };
}

/** One gradient estimate [∂shift₀, ∂shift₁, ∂logScale₀, ∂logScale₁] and the loss value. */
function estimate(flow: Flow, vars: tf.Variable[], seed: string, o: { n: number; beta?: number; pathGradient?: boolean }) {
  const { value, grads } = tf.variableGrads(() => {
    const t = reverseKlTerms(flow, logTarget, { n: o.n, rng: new Rng(seed), beta: o.beta ?? 1, pathGradient: o.pathGradient ?? false, fn: 'test', step: 1 });
    return t.loss;
  }, vars);
  const g = vars.flatMap((v) => Array.from(grads[v.name].dataSync()));
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads)]);
  return { g, loss };
}

function moments(rows: number[][]) {
  const k = rows[0].length;
  const r = rows.length;
  const mean = Array.from({ length: k }, (_, j) => rows.reduce((s, row) => s + row[j], 0) / r);
  const variance = Array.from({ length: k }, (_, j) => rows.reduce((s, row) => s + (row[j] - mean[j]) ** 2, 0) / (r - 1));
  return { mean, variance, se: variance.map((v) => Math.sqrt(v / r)) };
}

describe('reverse-KL gradient estimators', () => {
  it('both estimators are unbiased: their mean over 300 replicates matches ∇KL within 4 standard errors', () => {
    const m = [0.3, -0.5];
    const s = [0.8, 1.5];
    const exact = [...m.map((mj, j) => (mj - MU[j]) / SIGMA[j] ** 2), ...s.map((sj, j) => sj ** 2 / SIGMA[j] ** 2 - 1)];
    const { flow, vars } = makeFlow(m, s);
    for (const pathGradient of [false, true]) {
      const rows = Array.from({ length: 300 }, (_, r) => estimate(flow, vars, `u${r}`, { n: 16, pathGradient }).g);
      const { mean, se } = moments(rows);
      mean.forEach((v, j) => expect(Math.abs(v - exact[j])).toBeLessThan(4 * se[j] + 1e-4));
    }
    flow.dispose();
  });

  it('at q = p the path estimator is zero for every sample, while the standard one has its closed-form variance', () => {
    const { flow, vars } = makeFlow(MU, SIGMA);
    const n = 8;
    const standard = Array.from({ length: 400 }, (_, r) => estimate(flow, vars, `c${r}`, { n }).g);
    const path = Array.from({ length: 50 }, (_, r) => estimate(flow, vars, `c${r}`, { n, pathGradient: true }).g);
    // Standard, at q = p: ∂m = z/σ (variance 1/(σ²n)), ∂log s = z² − 1 (variance 2/n).
    const expected = [...SIGMA.map((sd) => 1 / (sd * sd * n)), 2 / n, 2 / n];
    // 400 replicates: the sample variance is within ~7% (one standard error) of the truth; allow 30%.
    moments(standard).variance.forEach((v, j) => expect(Math.abs(v / expected[j] - 1)).toBeLessThan(0.3));
    // Path: (∇ₓ log q − ∇ₓ log p̃) · ∂x/∂θ vanishes identically; only float32 rounding remains.
    for (const g of path) for (const v of g) expect(Math.abs(v)).toBeLessThan(1e-5);
    flow.dispose();
  });

  it('near q = p the path estimator has a far smaller variance than the standard one', () => {
    const { flow, vars } = makeFlow([MU[0] + 0.05, MU[1] - 0.1], [SIGMA[0] * 1.05, SIGMA[1] * 0.95]);
    const standard = moments(Array.from({ length: 200 }, (_, r) => estimate(flow, vars, `v${r}`, { n: 16 }).g)).variance;
    const path = moments(Array.from({ length: 200 }, (_, r) => estimate(flow, vars, `v${r}`, { n: 16, pathGradient: true }).g)).variance;
    const total = (v: number[]) => v.reduce((a, b) => a + b, 0);
    expect(total(path)).toBeLessThan(0.05 * total(standard));
    path.forEach((v, j) => expect(v).toBeLessThan(standard[j]));
    flow.dispose();
  });

  it('β weights only the target in the gradient (g(β) = g(0) + β(g(1) − g(0))); the loss value ignores β and the estimator', () => {
    const { flow, vars } = makeFlow([0.3, -0.5], [0.8, 1.5]);
    const at = (beta: number, pathGradient = false) => estimate(flow, vars, 'same', { n: 32, beta, pathGradient });
    const [g0, g1, gb] = [at(0), at(1), at(0.3)];
    gb.g.forEach((v, j) => expect(Math.abs(v - (g0.g[j] + 0.3 * (g1.g[j] - g0.g[j])))).toBeLessThan(1e-5));
    // With β = 0 the objective is E_q[log q] = −entropy: ∂/∂log s = −1 exactly, ∂/∂m = 0.
    expect(g0.g.map((v) => Math.round(v * 1e5) / 1e5)).toEqual([0, 0, -1, -1]);
    const losses = [g0.loss, g1.loss, gb.loss, at(0.3, true).loss, at(1, true).loss];
    expect(new Set(losses).size).toBe(1);
    // The value is the sample mean of log q(x) − log p̃(x), recomputed here in float64.
    const rng = new Rng('same');
    const z = Array.from({ length: 32 }, () => [rng.normal(), rng.normal()]);
    const m = [0.3, -0.5], s = [0.8, 1.5];
    const mean64 = z.reduce((acc, zi) => {
      const x = zi.map((zj, j) => m[j] + s[j] * zj);
      const logQ = zi.reduce((a, zj, j) => a - 0.5 * zj * zj - Math.log(s[j]) - 0.5 * Math.log(2 * Math.PI), 0);
      const logP = x.reduce((a, xj, j) => a - 0.5 * ((xj - MU[j]) / SIGMA[j]) ** 2, 0);
      return acc + (logQ - logP) / 32;
    }, 0);
    expect(Math.abs(g1.loss - mean64)).toBeLessThan(1e-4);
    flow.dispose();
  });

  it('the same Rng seed gives the same samples and loss', () => {
    const { flow, vars } = makeFlow([0, 0], [1, 1]);
    expect(estimate(flow, vars, 'k', { n: 8 })).toEqual(estimate(flow, vars, 'k', { n: 8 }));
    expect(estimate(flow, vars, 'k', { n: 8 }).loss).not.toBe(estimate(flow, vars, 'k2', { n: 8 }).loss);
    flow.dispose();
  });
});
