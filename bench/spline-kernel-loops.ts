/**
 * Micro-benchmark of the spline kernels' plain loops (no TF.js): `splineEval` and `splineGrad` on
 * 1024 elements, 8 bins, packed parameters as NSF-4's step sees them (4 couplings × 256 rows).
 * Run: `npx tsx bench/spline-kernel-loops.ts`. Prints µs per 1024 elements (median of blocks).
 */
import { splineGrad } from '../src/transformers/rq-spline-backward.js';
import { type SplineConfig, derivativeCount, splineEval } from '../src/transformers/rq-spline-math.js';
import { Rng } from '../src/random.js';

const cfg: SplineConfig = { bins: 8, tails: 'linear', bound: 5, minBinWidth: 1e-3, minBinHeight: 1e-3, minDerivative: 1e-3, identityAtZero: true };
const n = 1024;
const K = cfg.bins;
const stride = 2 * K + derivativeCount(cfg);
const rng = new Rng(1);
const x = Float32Array.from({ length: n }, () => 2.5 * rng.normal());
const p = Float32Array.from({ length: n * stride }, () => 0.5 * rng.normal());
const gOut = Float32Array.from({ length: n }, () => rng.normal());
const gLd = Float32Array.from({ length: n }, () => rng.normal());
const rows = (off: number) => ({ data: p, offset: off, stride });
const out = new Float32Array(n), ld = new Float32Array(n), gx = new Float32Array(n), gp = new Float32Array(n * stride);
const grows = (off: number) => ({ data: gp, offset: off, stride });

function time(label: string, f: () => void): void {
  for (let i = 0; i < 300; i++) f();
  const blocks: number[] = [];
  for (let b = 0; b < 9; b++) {
    const t0 = performance.now();
    for (let i = 0; i < 200; i++) f();
    blocks.push(((performance.now() - t0) / 200) * 1000);
  }
  blocks.sort((a, b) => a - b);
  console.log(`${label}: ${blocks[4].toFixed(1)} µs per ${n} elements`);
}
for (const inverse of [false, true]) {
  time(`eval ${inverse ? 'inverse' : 'forward'}`, () => splineEval(cfg, inverse, x, rows(0), rows(K), rows(2 * K), out, ld));
  time(`grad ${inverse ? 'inverse' : 'forward'}`, () => splineGrad(cfg, inverse, x, rows(0), rows(K), rows(2 * K), gOut, gLd, gx, grows(0), grows(K), grows(2 * K)));
}
