/** Generic laws every base distribution in `distribution-cases.ts` must satisfy. */
import { describe, expect, it } from 'vitest';
import { Flow, Shift, flowFromJSON, flowToJSON, tf } from '../../src/index.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { distributionCases } from './distribution-cases.js';

const N = 400; // quadrature nodes per axis

/** Midpoint rule on θ ∈ (−π/2, π/2)² with z = tan θ: nodes `[N², 2]` and weights sec²θ₁ sec²θ₂ (π/N)². */
function tanGrid(): { nodes: Float32Array; weights: Float64Array; z: Float64Array } {
  const z = new Float64Array(N);
  const w = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const theta = -Math.PI / 2 + ((i + 0.5) * Math.PI) / N;
    z[i] = Math.tan(theta);
    w[i] = Math.PI / N / Math.cos(theta) ** 2;
  }
  const nodes = new Float32Array(N * N * 2);
  const weights = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      nodes[2 * (i * N + j)] = z[i];
      nodes[2 * (i * N + j) + 1] = z[j];
      weights[i * N + j] = w[i] * w[j];
    }
  }
  return { nodes, weights, z };
}

const grid = tanGrid();
const cuts = [-1, -0.2, 0.3, 1.2];
const nSamples = 40000;

describe.each(distributionCases)('$name', (c) => {
  /** The case's context repeated for `n` rows, or undefined for an unconditional base. */
  const ctx = (n: number): tf.Tensor2D | undefined => (c.context ? tf.tensor2d(Array.from({ length: n }, () => c.context!)) : undefined);

  it('matches its closed-form log-density (float64 reference)', () => {
    if (!c.reference) return;
    const d = c.make();
    const pts = [[0, 0], [0.3, -0.7], [-1.5, 1.9], [0.2, 1.1], [4, -3]];
    const [zt, ct] = [tf.tensor2d(pts), ctx(pts.length)];
    const lp = d.logProb(zt, ct);
    const got = Array.from(lp.dataSync());
    tf.dispose([lp, zt, ct]);
    pts.forEach((p, i) => {
      const want = c.reference!(d, p);
      if (want === -Infinity) expect(got[i]).toBe(-Infinity);
      else expect(Math.abs(got[i] - want)).toBeLessThan(2e-4 * Math.max(1, Math.abs(want)));
    });
    d.dispose();
  });

  it('integrates to 1, and its samples follow its own density (marginal CDFs at 4 cuts)', () => {
    const d = c.make();
    const [zt, ct] = [tf.tensor2d(grid.nodes, [N * N, 2]), ctx(N * N)];
    const lp = d.logProb(zt, ct);
    const p = lp.dataSync();
    tf.dispose([lp, zt, ct]);
    let mass = 0;
    const cdf = [cuts.map(() => 0), cuts.map(() => 0)];
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) {
        const m = Math.exp(p[i * N + j]) * grid.weights[i * N + j];
        mass += m;
        cuts.forEach((cut, k) => {
          if (grid.z[i] <= cut) cdf[0][k] += m;
          if (grid.z[j] <= cut) cdf[1][k] += m;
        });
      }
    }
    expect(Math.abs(mass - 1)).toBeLessThan(c.quadratureTol ?? 3e-3);
    const cs = ctx(nSamples);
    const s = d.sample(nSamples, 7, cs);
    const v = s.dataSync();
    tf.dispose([s, cs]);
    for (let dim = 0; dim < 2; dim++) {
      cuts.forEach((cut, k) => {
        let count = 0;
        for (let r = 0; r < nSamples; r++) if (v[2 * r + dim] <= cut) count++;
        // Binomial sd ≤ 0.0025 at n = 40,000 (5 sd), plus the quadrature error at the uniform's jumps (≤ 0.006).
        expect(Math.abs(count / nSamples - cdf[dim][k] / mass)).toBeLessThan(0.0125);
      });
    }
    d.dispose();
  });

  it('seeded samples repeat, save/load keeps the density, nothing leaks, gradients are finite', () => {
    const d = c.make();
    const c50 = ctx(50);
    const a = d.sample(50, 3, c50);
    const b = d.sample(50, 3, c50);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    const flow = new Flow(d, new Shift([0, 0]));
    const loaded = flowFromJSON(JSON.stringify(flowToJSON(flow)));
    expect(loaded.base.className).toBe(d.className);
    const z = tf.tensor2d([[0.1, 0.2], [-0.4, 1.5], [0.3, 0.3]]);
    const c3 = ctx(3);
    const [l1, l2] = [flow.logProb(z, c3), loaded.logProb(z, c3)];
    expect(Array.from(l2.dataSync())).toEqual(Array.from(l1.dataSync()));
    const c4 = ctx(4);
    expectNoLeak(() => d.logProb(z, c3));
    expectNoLeak(() => d.sample(4, 1, c4));
    if (d.trainableVariables.length > 0) {
      const { value, grads } = tf.variableGrads(() => tf.mean(d.logProb(z, c3)) as tf.Scalar, d.trainableVariables);
      for (const g of Object.values(grads)) expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
      tf.dispose([value, grads]);
    }
    tf.dispose([a, b, z, l1, l2, c50, c3, c4]);
    flow.dispose();
    loaded.dispose();
  });
});
