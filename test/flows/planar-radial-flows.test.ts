import { describe, expect, it } from 'vitest';
import { type Flow, ValidationError, planarFlow, radialFlow, tf } from '../../src/index.js';
import { expectNoLeak } from '../helpers/leaks.js';

/** ∫∫ exp(flow.logProb) over [−L, L]² by the trapezoid rule (density via the inverse direction). */
function totalMass(flow: Flow, L: number, h: number): number {
  const n = Math.round((2 * L) / h) + 1;
  const pts: number[][] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) pts.push([-L + i * h, -L + j * h]);
  const lp = flow.logProb(pts);
  const v = lp.dataSync();
  lp.dispose();
  let sum = 0;
  pts.forEach(([a, b], k) => {
    const w = (Math.abs(a) === L ? 0.5 : 1) * (Math.abs(b) === L ? 0.5 : 1);
    sum += w * Math.exp(v[k]);
  });
  return sum * h * h;
}

// Mass tolerance on the 0.06 grid: the tanh and radial densities are smooth (measured errors 1e-9 and
// 6e-6, the latter from the cone at each z₀), so 1e-4; a leaky-ReLU planar density jumps across each
// hyperplane (h' jumps), so the trapezoid rule converges only as O(h): measured 8.6e-4 at h = 0.06 and
// 3.9e-4 at h = 0.03, hence 2e-3.
const builders: [string, (seed: number) => Flow, number][] = [
  ['planarFlow (tanh)', (seed) => planarFlow({ dim: 2, layers: 8, seed, initScale: 0.6 }), 1e-4],
  ['planarFlow (leaky ReLU)', (seed) => planarFlow({ dim: 2, layers: 8, seed, activation: 'leaky_relu', slope: 0.5, initScale: 0.6 }), 2e-3],
  ['radialFlow', (seed) => radialFlow({ dim: 2, layers: 8, seed, initScale: 0.6 }), 1e-4],
];

describe.each(builders)('%s', (_, build, massTolerance) => {
  it(`logProb (through the inverses) integrates to 1 over [−9, 9]² within ${massTolerance}`, () => {
    const flow = build(3);
    expect(Math.abs(totalMass(flow, 9, 0.06) - 1)).toBeLessThan(massTolerance);
    flow.dispose();
  });

  it('logProb of its own samples equals sampleAndLogProb within 1e-4; gradients of logProb are finite', () => {
    const flow = build(4);
    const { samples, logProb } = flow.sampleAndLogProb(256, { seed: 9 });
    const again = flow.logProb(samples);
    const a = logProb.dataSync();
    const b = again.dataSync();
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-4);
    const { value, grads } = tf.variableGrads(() => tf.neg(tf.mean(flow.logProbUnchecked(samples))) as tf.Scalar, flow.trainableVariables);
    for (const g of Object.values(grads)) expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    expect(Object.keys(grads).length).toBe(flow.trainableVariables.length);
    tf.dispose([samples, logProb, again, value, ...Object.values(grads)]);
    flow.dispose();
  });

  it('same seed, same weights; leaks no tensors', () => {
    const a = build(7);
    const b = build(7);
    a.weights.forEach((w, i) => expect(Array.from(b.weights[i].variable.dataSync())).toEqual(Array.from(w.variable.dataSync())));
    expect(a.weights.length).toBeGreaterThanOrEqual(8 * 3);
    expectNoLeak(() => a.sampleAndLogProb(32, { seed: 1 }));
    expectNoLeak(() => a.logProb([[0.1, 0.2], [3, -1]]));
    a.dispose();
    b.dispose();
  });
});

describe('planarFlow / radialFlow options', () => {
  it.each([
    ['layers 0', () => planarFlow({ dim: 2, layers: 0 }), /planarFlow: argument 'options.layers' must be an integer ≥ 1/],
    ['dim missing', () => radialFlow({ layers: 2 } as never), /radialFlow: argument 'options.dim'/],
    ['unknown option', () => planarFlow({ dim: 2, layers: 2, layer: 3 } as never), /unknown option "layer"/],
    ['slope with tanh', () => planarFlow({ dim: 2, layers: 2, slope: 0.1 }), /options.slope/],
  ])('%s → ValidationError', (_, f, message) => {
    expect(f).toThrow(ValidationError);
    expect(f).toThrow(message);
  });
});
