import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/index.js';
import { splineGrad } from '../../src/transformers/rq-spline-backward.js';
import { type SplineConfig, SplineCache, derivativeCount, splineEval } from '../../src/transformers/rq-spline-math.js';

// The forward pass's cache must change nothing but the time: the backward rebuilds the knots from the
// cached softmaxes by the same float64 sums, so its outputs are bit-identical to recomputing them.
describe('rational-quadratic spline: the forward pass\'s cache for the backward pass', () => {
  for (const tails of ['linear', 'none'] as const) {
    for (const inverse of [false, true]) {
      it(`gives bit-identical gradients (${tails} tails, ${inverse ? 'inverse' : 'forward'})`, () => {
        const cfg: SplineConfig = { bins: 8, tails, bound: 3, minBinWidth: 1e-3, minBinHeight: 1e-3, minDerivative: 1e-3, identityAtZero: true };
        const n = 300;
        const K = cfg.bins;
        const stride = 2 * K + derivativeCount(cfg);
        const rng = new Rng(`cache-${tails}-${inverse}`);
        // About 1 in 6 outside [−3, 3], plus a NaN: elements the cache has no entry for.
        const x = Float32Array.from({ length: n }, () => 2.2 * rng.normal());
        x[7] = NaN;
        const p = Float32Array.from({ length: n * stride }, () => rng.normal());
        const gOut = Float32Array.from({ length: n }, () => rng.normal());
        const gLd = Float32Array.from({ length: n }, () => rng.normal());
        const rows = (data: Float32Array, off: number) => ({ data, offset: off, stride });
        const cache = new SplineCache(n, K);
        splineEval(cfg, inverse, x, rows(p, 0), rows(p, K), rows(p, 2 * K), new Float32Array(n), new Float32Array(n), cache);
        expect(Array.from(cache.k).filter((k) => k >= 0).length).toBeGreaterThan(n / 2); // the cache is used
        expect(cache.k[7]).toBe(-1);
        const grads = (c?: SplineCache) => {
          const gx = new Float32Array(n);
          const gp = new Float32Array(n * stride);
          splineGrad(cfg, inverse, x, rows(p, 0), rows(p, K), rows(p, 2 * K), gOut, gLd, gx, rows(gp, 0), rows(gp, K), rows(gp, 2 * K), c);
          return [gx, gp];
        };
        const [gx0, gp0] = grads();
        const [gx1, gp1] = grads(cache);
        expect(gx1).toEqual(gx0);
        expect(gp1).toEqual(gp0);
        // And the comparison can fail: a corrupted cache entry changes the gradients.
        cache.sw[cache.k.findIndex((k) => k >= 0) * K] += 0.01;
        const [, gp2] = grads(cache);
        expect(gp2).not.toEqual(gp0);
      });
    }
  }
});
