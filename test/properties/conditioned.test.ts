/**
 * Property tests of the weight-holding bijectors of the bijector table: couplings and masked
 * autoregressive layers (affine and spline transformers, with and without a context, IAF), LULinear,
 * ActNorm, BatchNorm (eval), Planar and Radial. Random dimension (1–10; couplings 2–10), random mask or
 * ordering, random context dimension 0–3, and every trainable weight perturbed by N(0, sd²) with sd up
 * to 1.5 — against the identity start that is large: conditioner outputs of order 10, spline slopes
 * pinned at minDerivative or ~20, affine log-scales at the soft clamp. Inputs N(0, 2²) with spline
 * inputs at exactly ±tailBound mixed in.
 * Cases per property: 40 (each case builds a network and takes ~3·dim gradients).
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import {
  ActNorm, AffineCoupling, BatchNorm, type Bijector, Coupling, AffineTransformer, Invert, LULinear, MaskedAutoregressive, MaskedAutoregressiveAffine,
  MaskedAutoregressiveSpline, Planar, Radial, Rng, SplineCoupling,
} from '../../src/index.js';
import { contextRows, expectBijectorProperties, perturbWeights, type PropertyTolerance } from '../helpers/properties.js';

const RUNS = 40;
const BATCH = 4;
const HIDDEN = [8, 8];

interface Spec {
  dim: number;
  contextDim: number;
  sd: number;
  seed: number;
  bins: number;
  tailBound: number;
}

const specArb = (minDim: number, maxContext = 3) =>
  fc.record({
    dim: fc.integer({ min: minDim, max: 10 }),
    contextDim: fc.integer({ min: 0, max: maxContext }),
    sd: fc.constantFrom(0.1, 0.5, 1.5),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    bins: fc.integer({ min: 2, max: 10 }),
    tailBound: fc.constantFrom(1, 3, 5),
  });

/** A random mask with at least one pass-through and one transformed entry. */
function mask(dim: number, rng: Rng): boolean[] {
  const m = Array.from({ length: dim }, () => rng.uniform() < 0.5);
  m[0] = true;
  m[1 + Math.floor(rng.uniform() * (dim - 1))] = false;
  rng.shuffle(m);
  return m;
}

/** Inputs N(0, 2²); for splines every third entry is exactly ±tailBound. */
function inputs(s: Spec, spline: boolean): number[][] {
  const rng = new Rng(`x:${s.seed}`);
  return Array.from({ length: BATCH }, (_, b) =>
    Array.from({ length: s.dim }, (_, i) => (spline && (b * s.dim + i) % 3 === 0 ? (rng.uniform() < 0.5 ? -1 : 1) * s.tailBound : 2 * rng.normal())),
  );
}

interface Family {
  name: string;
  arb: fc.Arbitrary<Spec>;
  make: (s: Spec, rng: Rng) => Bijector;
  spline?: boolean;
  /** Conditional families get a context of s.contextDim columns. */
  conditional?: boolean;
  /** Families built with explicit random parameters are not perturbed further. */
  explicit?: boolean;
  tol: PropertyTolerance;
}

const ordering = (dim: number, rng: Rng) => rng.permutation(dim);
// The networks' own float32 rounding enters y and log-det alike in both directions (the pass-through
// and autoregressive prefixes are bitwise equal, so the parameters are too); what remains is the
// transformer's rounding, amplified by κ. Measured worst (seed 20250609): round trip 4.3 roundings,
// log-dets 2.4; bounds 16 and 16.
const NET: PropertyTolerance = { roundTrip: 16, logDet: 16 };

const families: Family[] = [
  {
    name: 'AffineCoupling (exp, clamp 3)',
    arb: specArb(2),
    conditional: true,
    make: (s, rng) => new AffineCoupling({ mask: mask(s.dim, rng), hidden: HIDDEN, contextDim: s.contextDim, seed: s.seed }),
    tol: NET,
  },
  {
    name: 'Coupling(AffineTransformer softplus)',
    arb: specArb(2),
    conditional: true,
    make: (s, rng) => new Coupling(new AffineTransformer({ scale: 'softplus' }), { mask: mask(s.dim, rng), hidden: HIDDEN, contextDim: s.contextDim, seed: s.seed }),
    tol: NET,
  },
  {
    name: 'MaskedAutoregressiveAffine (random ordering)',
    arb: specArb(1),
    conditional: true,
    make: (s, rng) => new MaskedAutoregressiveAffine(s.dim, { hidden: HIDDEN, contextDim: s.contextDim, ordering: ordering(s.dim, rng), seed: s.seed }),
    tol: NET,
  },
  {
    name: 'MaskedAutoregressive(AffineTransformer exp, no clamp)',
    // Without the clamp the scale is unbounded: at sd 0.5 in 10D a large y_1 drives the next MADE outputs
    // to log-scales past 88 and exp overflows (the reason the default clamp exists). Here sd ≤ 0.1.
    arb: specArb(1).map((s) => ({ ...s, sd: Math.min(s.sd, 0.1) })),
    conditional: true,
    make: (s, rng) => new MaskedAutoregressive(new AffineTransformer({ clamp: null }), s.dim, { hidden: HIDDEN, contextDim: s.contextDim, ordering: ordering(s.dim, rng), seed: s.seed }),
    tol: NET,
  },
  {
    name: 'IAF = Invert(MaskedAutoregressiveAffine)',
    arb: specArb(1),
    conditional: true,
    make: (s) => new Invert(new MaskedAutoregressiveAffine(s.dim, { hidden: HIDDEN, contextDim: s.contextDim, seed: s.seed })),
    tol: NET,
  },
  {
    name: 'SplineCoupling',
    arb: specArb(2),
    conditional: true,
    spline: true,
    make: (s, rng) => new SplineCoupling({ mask: mask(s.dim, rng), hidden: HIDDEN, contextDim: s.contextDim, bins: s.bins, tailBound: s.tailBound, seed: s.seed }),
    tol: NET,
  },
  {
    name: 'MaskedAutoregressiveSpline (random ordering)',
    arb: specArb(1),
    conditional: true,
    spline: true,
    make: (s, rng) => new MaskedAutoregressiveSpline(s.dim, { hidden: HIDDEN, contextDim: s.contextDim, ordering: ordering(s.dim, rng), bins: s.bins, tailBound: s.tailBound, seed: s.seed }),
    tol: NET,
  },
  {
    // LU: y = W⁻¹-side solves; κ = ‖W⁻¹‖ covers the conditioning of W.
    name: 'LULinear (softplus / exp diagonal, random permutation)',
    arb: specArb(1, 0),
    make: (s, rng) => new LULinear(s.dim, { diagonal: s.seed % 2 === 0 ? 'softplus' : 'exp', permutation: rng.permutation(s.dim) }),
    tol: NET,
  },
  {
    name: 'ActNorm (initialised, perturbed)',
    arb: specArb(1, 0),
    make: (s) => {
      const a = new ActNorm(s.dim);
      a.setWeights({ shift: new Float32Array(s.dim), logScale: new Float32Array(s.dim), initialized: [1] });
      return a;
    },
    tol: NET,
  },
  {
    name: 'BatchNorm (eval, running variance 1e-2 … 10)',
    arb: specArb(1, 0),
    make: (s, rng) => {
      const b = new BatchNorm(s.dim);
      b.setWeights({
        shift: new Float32Array(s.dim),
        logScale: new Float32Array(s.dim),
        runningMean: Float32Array.from({ length: s.dim }, () => 3 * rng.normal()),
        runningVar: Float32Array.from({ length: s.dim }, () => 10 ** (3 * rng.uniform() - 2)),
      });
      return b;
    },
    tol: NET,
  },
  {
    // u, w entries N(0, (2·sd)²) and b up to ±3: includes wᵀu < −1 (the û correction) and steep h. The
    // Jacobian determinant is softplus(wᵀu) on one side of the hyperplane, so wᵀu ≪ −1 collapses a half-space
    // (at wᵀu = −74 it is e^−74 and float32 cannot invert it at all): wᵀu is kept ≥ −8 (det ≥ 3.4e-4).
    name: 'Planar (tanh and leaky ReLU, wᵀu ≥ −8)',
    arb: specArb(1, 0),
    explicit: true,
    make: (s, rng) => {
      const v = () => Array.from({ length: s.dim }, () => 2 * s.sd * rng.normal());
      const w = v().map((e, i) => (i === 0 && Math.abs(e) < 0.1 ? 0.5 : e));
      const u = v();
      const wu = u.reduce((a, e, j) => a + e * w[j], 0);
      const w2 = w.reduce((a, e) => a + e * e, 0);
      if (wu < -8) for (let j = 0; j < s.dim; j++) u[j] += ((-8 - wu) / w2) * w[j];
      const opts = { u, w, b: 3 * (2 * rng.uniform() - 1) };
      return s.seed % 2 === 0 ? new Planar(s.dim, opts) : new Planar(s.dim, { ...opts, activation: 'leaky_relu', slope: 0.05 + 0.95 * rng.uniform() });
    },
    tol: NET,
  },
  {
    // α from 1e-2 to 10, β from just above −α (strong contraction) to 10 (strong expansion).
    name: 'Radial (α 1e-2 … 10, β in (−α, 10])',
    arb: specArb(1, 0),
    explicit: true,
    make: (s, rng) => {
      const alpha = 10 ** (3 * rng.uniform() - 2);
      const beta = rng.uniform() < 0.5 ? -alpha * (0.05 + 0.9 * rng.uniform()) : 10 * rng.uniform();
      return new Radial(s.dim, { z0: Array.from({ length: s.dim }, () => rng.normal()), alpha, beta });
    },
    tol: NET,
  },
];

describe.each(families)('$name', (f) => {
  it(`round trip, cancelling log-dets, autodiff Jacobians, finite values and gradients, no leaks (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(f.arb, (s) => {
        const rng = new Rng(`make:${s.seed}`);
        const b = f.make(s, rng);
        try {
          if (!f.explicit) perturbWeights(b, s.seed, s.sd);
          const ctx = f.conditional ? contextRows(BATCH, s.contextDim, s.seed) : undefined;
          expectBijectorProperties(b, inputs(s, f.spline ?? false), ctx, f.tol);
        } finally {
          b.dispose();
        }
      }),
      { numRuns: RUNS },
    );
  });
});
