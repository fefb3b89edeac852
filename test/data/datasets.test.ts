import { describe, expect, it } from 'vitest';
import { ValidationError, datasets } from '../../src/index.js';
import { besselI0e, ringLogDensity } from '../../src/data/ring-density.js';
import { expectNoLeak } from '../helpers/leaks.js';

const names = Object.keys(datasets) as (keyof typeof datasets)[];

function draw(name: keyof typeof datasets, n: number, options: Record<string, unknown> = {}): Float32Array {
  const t = datasets[name](n, options);
  const v = t.dataSync() as Float32Array;
  t.dispose();
  return v;
}

/** log p at each point of a list, in float64 via the library's logProb (float32 output). */
function logProbAt(name: 'eightGaussians' | 'circles' | 'rings' | 'checkerboard', pts: Float32Array): Float32Array {
  const lp = datasets[name].logProb({ data: pts, shape: [pts.length / 2, 2] });
  const v = lp.dataSync() as Float32Array;
  lp.dispose();
  return v;
}

describe.each(names)('datasets.%s', (name) => {
  it('returns a finite [n, 2] tensor, the same for the same seed and different for another', () => {
    const a = draw(name, 501, { seed: 5 });
    expect(a.length).toBe(1002);
    expect(a.every(Number.isFinite)).toBe(true);
    expect(Array.from(draw(name, 501, { seed: 5 }))).toEqual(Array.from(a));
    expect(Array.from(draw(name, 501, { seed: 6 }))).not.toEqual(Array.from(a));
    expect(draw(name, 1, { seed: 1 }).length).toBe(2);
  });

  it('rejects bad arguments with ValidationError and leaks nothing', () => {
    expect(() => datasets[name](0)).toThrow(ValidationError);
    expect(() => datasets[name](2.5)).toThrow(/integer/);
    expect(() => datasets[name](10, { sede: 1 } as never)).toThrow(/unknown option "sede"/);
    if (datasets[name].defaultNoise === null) expect(() => datasets[name](10, { noise: 0.1 })).toThrow(/unknown option "noise"/);
    else expect(() => datasets[name](10, { noise: -1 })).toThrow(/options.noise/);
    expectNoLeak(() => datasets[name](50, { seed: 1 }));
  });
});

describe('dataset definitions (noise-free geometry and moments against closed forms)', () => {
  it('moons: half the points on the unit upper arc, half on the shifted lower arc (scikit-learn make_moons)', () => {
    const v = draw('moons', 1001, { seed: 1, noise: 0 });
    let outer = 0;
    let inner = 0;
    for (let i = 0; i < 1001; i++) {
      const [x, y] = [v[2 * i], v[2 * i + 1]];
      if (Math.abs(x * x + y * y - 1) < 1e-5 && y >= -1e-6) outer++;
      else if (Math.abs((x - 1) ** 2 + (y - 0.5) ** 2 - 1) < 1e-5 && y <= 0.5 + 1e-6) inner++;
    }
    expect([outer, inner]).toEqual([500, 501]);
    // Noise is added per coordinate: the spread around the noise-free points is the requested sd.
    const noisy = draw('moons', 1001, { seed: 1, noise: 0.2 });
    let ss = 0;
    for (let i = 0; i < 2002; i++) ss += (noisy[i] - v[i]) ** 2;
    expect(Math.sqrt(ss / 2002)).toBeCloseTo(0.2, 1);
  });

  it('circles and rings: noise-free radii and counts', () => {
    const radii = (v: Float32Array) => Array.from({ length: v.length / 2 }, (_, i) => Math.round(Math.hypot(v[2 * i], v[2 * i + 1]) * 1e4) / 1e4);
    const count = (r: number[]) => r.reduce<Record<string, number>>((m, x) => ({ ...m, [x]: (m[x] ?? 0) + 1 }), {});
    expect(count(radii(draw('circles', 101, { seed: 2, noise: 0 })))).toEqual({ 3: 50, 1.5: 51 });
    expect(count(radii(draw('rings', 103, { seed: 2, noise: 0 })))).toEqual({ 3: 25, 2.25: 25, 1.5: 25, 0.75: 28 });
  });

  it('eightGaussians: noise-free points are the eight centres 4·c/1.414, each about n/8 times', () => {
    const v = draw('eightGaussians', 8000, { seed: 3, noise: 0 });
    const keys = new Map<string, number>();
    for (let i = 0; i < 8000; i++) {
      expect(Math.hypot(v[2 * i], v[2 * i + 1])).toBeCloseTo(4 / 1.414, 5);
      const k = `${Math.round(v[2 * i] * 100)},${Math.round(v[2 * i + 1] * 100)}`;
      keys.set(k, (keys.get(k) ?? 0) + 1);
    }
    expect(keys.size).toBe(8);
    // Multinomial counts: sd = √(8000·⅛·⅞) ≈ 30; 5 sd.
    for (const c of keys.values()) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });

  it('pinwheel: E‖x‖² = 4(E r² + E t²) = 4(1 + 0.3² + 0.1²) = 4.4', () => {
    const n = 20000;
    const v = draw('pinwheel', n, { seed: 4 });
    const sq = Array.from({ length: n }, (_, i) => v[2 * i] ** 2 + v[2 * i + 1] ** 2);
    const mean = sq.reduce((a, b) => a + b) / n;
    const sd = Math.sqrt(sq.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    expect(Math.abs(mean - 4.4)).toBeLessThan(4 * (sd / Math.sqrt(n)));
  });

  it('swissRoll: noise-free points satisfy (x, y) = (t cos t, t sin t)/5 with t ∈ [1.5π, 4.5π]', () => {
    const v = draw('swissRoll', 500, { seed: 5, noise: 0 });
    for (let i = 0; i < 500; i++) {
      const t = 5 * Math.hypot(v[2 * i], v[2 * i + 1]);
      expect(t).toBeGreaterThanOrEqual(1.5 * Math.PI - 1e-4);
      expect(t).toBeLessThanOrEqual(4.5 * Math.PI + 1e-4);
      expect(v[2 * i]).toBeCloseTo((t * Math.cos(t)) / 5, 3);
      expect(v[2 * i + 1]).toBeCloseTo((t * Math.sin(t)) / 5, 3);
    }
  });

  it('twoSpirals: E‖x‖² matches the definition integrated by quadrature in float64', () => {
    // s = 3π√u has density 2s/(3π)² on [0, 3π]; u₁, u₂ ~ U(0, 1) independent of s.
    // ‖p‖² = [(−s cos s + u₁/2)² + (s sin s + u₂/2)²]/9 + noise terms.
    const noise = 0.1;
    const K = 200000;
    let e = 0;
    for (let k = 0; k < K; k++) {
      const s = ((k + 0.5) / K) * 3 * Math.PI;
      const w = (2 * s) / (9 * Math.PI * Math.PI) * ((3 * Math.PI) / K);
      e += w * (s * s + 0.5 * s * (Math.sin(s) - Math.cos(s)) + 1 / 6);
    }
    const expected = e / 9 + 2 * noise * noise;
    const n = 20000;
    const v = draw('twoSpirals', n, { seed: 6, noise });
    const sq = Array.from({ length: n }, (_, i) => v[2 * i] ** 2 + v[2 * i + 1] ** 2);
    const mean = sq.reduce((a, b) => a + b) / n;
    const sd = Math.sqrt(sq.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    expect(Math.abs(mean - expected)).toBeLessThan(4 * (sd / Math.sqrt(n)));
  });
});

describe('closed-form densities', () => {
  it('besselI0e matches the power series of I₀ times e^{−z} (relative 1e-6)', () => {
    for (const z of [0, 0.1, 1, 3.7, 3.8, 10, 50, 300]) {
      // I₀(z) = Σ (z²/4)^k / (k!)², summed in log space to stay finite for large z.
      let term = 0;
      let logs: number[] = [];
      for (let k = 0; k < 2000; k++) {
        if (k > 0) term += Math.log((z * z) / 4) - 2 * Math.log(k);
        logs.push(term - z);
        if (k > z + 50) break;
      }
      const m = Math.max(...logs);
      const ref = Math.exp(m) * logs.reduce((s, l) => s + Math.exp(l - m), 0);
      expect(Math.abs(besselI0e(z) / ref - 1)).toBeLessThan(1e-6);
      logs = [];
    }
  });

  it('ring density equals the angle integral of the blurred circle (float64 quadrature)', () => {
    const [r, sigma] = [2.25, 0.3];
    for (const [x, y] of [[0, 0], [2.25, 0], [1, 1.7], [-3, 0.2], [0.1, -0.5]]) {
      const K = 4096;
      let p = 0;
      for (let k = 0; k < K; k++) {
        const a = (2 * Math.PI * k) / K;
        p += Math.exp(-((x - r * Math.cos(a)) ** 2 + (y - r * Math.sin(a)) ** 2) / (2 * sigma * sigma)) / (2 * Math.PI * sigma * sigma) / K;
      }
      expect(Math.abs(ringLogDensity(x, y, r, sigma) - Math.log(p))).toBeLessThan(1e-6);
    }
  });

  const cases = [
    { name: 'eightGaussians' as const, box: 4.5, step: 0.02 },
    { name: 'circles' as const, box: 4.75, step: 0.02 },
    { name: 'rings' as const, box: 3.5, step: 0.01 },
    { name: 'checkerboard' as const, box: 4.5, step: 0.02 },
  ];

  it.each(cases)('$name: density integrates to 1 on a grid (midpoint rule, within 1e-3)', ({ name, box, step }) => {
    const m = Math.round((2 * box) / step);
    const pts = new Float32Array(2 * m * m);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        pts[2 * (i * m + j)] = -box + (i + 0.5) * step;
        pts[2 * (i * m + j) + 1] = -box + (j + 0.5) * step;
      }
    }
    const lp = logProbAt(name, pts);
    let total = 0;
    for (const l of lp) total += Math.exp(l) * step * step;
    expect(Math.abs(total - 1)).toBeLessThan(1e-3);
  });

  it.each(cases)('$name: a sample histogram matches the density (χ²/dof < 1.5 over bins expecting ≥ 5)', ({ name, box }) => {
    const n = 40000;
    const v = draw(name, n, { seed: 11 });
    const bins = 32;
    const w = (2 * box) / bins;
    const counts = new Float64Array(bins * bins);
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const a = Math.floor((v[2 * i] + box) / w);
      const b = Math.floor((v[2 * i + 1] + box) / w);
      if (a < 0 || b < 0 || a >= bins || b >= bins) outside++;
      else counts[a * bins + b]++;
    }
    // Bin probabilities by an 8×8 midpoint rule inside each bin.
    const sub = 8;
    const pts = new Float32Array(2 * bins * bins * sub * sub);
    let k = 0;
    for (let a = 0; a < bins; a++) for (let b = 0; b < bins; b++) for (let s = 0; s < sub; s++) for (let t = 0; t < sub; t++) {
      pts[k++] = -box + (a + (s + 0.5) / sub) * w;
      pts[k++] = -box + (b + (t + 0.5) / sub) * w;
    }
    const lp = logProbAt(name, pts);
    let chi2 = 0;
    let dof = -1;
    for (let bin = 0; bin < bins * bins; bin++) {
      let p = 0;
      for (let q = 0; q < sub * sub; q++) p += Math.exp(lp[bin * sub * sub + q]) * (w / sub) ** 2;
      const expected = n * p;
      if (expected >= 5) {
        chi2 += (counts[bin] - expected) ** 2 / expected;
        dof++;
      }
    }
    expect(dof).toBeGreaterThan(30);
    expect(chi2 / dof).toBeLessThan(1.5);
    expect(outside / n).toBeLessThan(1e-3);
  });

  it('checkerboard.logProb is −log 32 on the board and −Infinity off it; logProb validates x', () => {
    const lp = datasets.checkerboard.logProb([[0.5, 0.5], [-3, -3], [1, -1], [5, 0], [-0.5, 0.5]]);
    expect(Array.from(lp.dataSync())).toEqual([-Math.log(32), -Math.log(32), -Infinity, -Infinity, -Infinity].map(Math.fround));
    lp.dispose();
    expect(() => datasets.checkerboard.logProb([[1, 2, 3]])).toThrow(/2 columns/);
    expect(() => datasets.rings.logProb([[1, 2]], { noise: 0 })).toThrow(ValidationError);
  });
});
