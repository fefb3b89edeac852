/**
 * Property tests of the parameter-free and fixed-parameter bijectors (the elementwise, permutation and
 * affine families of the bijector table): random dimension 1–10, random parameters, random float32
 * inputs over the whole range where each map is representable in float32 (ranges stated per family).
 * 150 cases per property (each case is a handful of small ops).
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { Affine, type Bijector, Exp, Invert, Logit, Permute, Reverse, Scale, Shift, Sigmoid, Softplus, Tanh } from '../../src/index.js';
import { expectBijectorProperties, type PropertyTolerance, rows } from '../helpers/properties.js';

const RUNS = 150;
const BATCH = 4;
// Each map is a few float32 ops per element. Measured worst (seed 20250609): round trip 1.1 roundings,
// log-dets 3.4 (in the units of PropertyTolerance); the bounds leave about 4× room.
const TOL: PropertyTolerance = { roundTrip: 4, logDet: 16 };

const dimArb = fc.integer({ min: 1, max: 10 });
const vec = (dim: number, lo: number, hi: number) => fc.array(fc.double({ min: lo, max: hi, noNaN: true }), { minLength: dim, maxLength: dim });
/** Positive scales spanning 1e-3 to 1e3 (log-uniform). */
const scales = (dim: number) => fc.array(fc.double({ min: -3, max: 3, noNaN: true }).map((e) => 10 ** e), { minLength: dim, maxLength: dim });

interface Family {
  name: string;
  /** The bijector and its inputs for a random dimension. */
  arb: fc.Arbitrary<{ make: () => Bijector; x: number[][] }>;
}

const simple = (name: string, make: () => Bijector, max: number): Family => ({
  name,
  arb: dimArb.chain((dim) => rows(BATCH, dim, max)).map((x) => ({ make, x })),
});

/** Inputs in (0, 1) at least `margin` away from both ends. */
const unitRows = (margin: number) =>
  dimArb.chain((dim) => fc.array(fc.array(fc.double({ min: margin, max: 1 - margin, noNaN: true }), { minLength: dim, maxLength: dim }), { minLength: BATCH, maxLength: BATCH }));

const families: Family[] = [
  {
    name: 'Shift (|shift| ≤ 1e3, |x| ≤ 1e3)',
    arb: dimArb.chain((dim) => fc.tuple(vec(dim, -1e3, 1e3), rows(BATCH, dim, 1e3))).map(([s, x]) => ({ make: () => new Shift(s), x })),
  },
  {
    name: 'Scale (1e-3 … 1e3, |x| ≤ 1e3)',
    arb: dimArb.chain((dim) => fc.tuple(scales(dim), rows(BATCH, dim, 1e3))).map(([s, x]) => ({ make: () => new Scale(s), x })),
  },
  {
    name: 'Affine (|shift| ≤ 1e3, scale 1e-3 … 1e3)',
    arb: dimArb.chain((dim) => fc.tuple(vec(dim, -1e3, 1e3), scales(dim), rows(BATCH, dim, 1e3))).map(([shift, scale, x]) => ({ make: () => new Affine(x[0].length, { shift, scale }), x })),
  },
  // exp overflows float32 beyond 88.7; ±30 keeps y and 1/y representable with room for the inverse's log.
  simple('Exp (|x| ≤ 30)', () => new Exp(), 30),
  // softplus⁻¹(y) = log(expm1(y)) loses everything once y rounds to 0 (x < −17 or so in float32).
  simple('Softplus (|x| ≤ 15)', () => new Softplus(), 15),
  // sigmoid(x) rounds to 1 for x > 16.6 in float32: beyond that the inverse is +∞ by necessity.
  simple('Sigmoid (|x| ≤ 12)', () => new Sigmoid(), 12),
  // tanh(x) rounds to ±1 for |x| > 9.01: atanh(±1) is infinite.
  simple('Tanh (|x| ≤ 7)', () => new Tanh(), 7),
  { name: 'Logit (x in [1e-5, 1 − 1e-5])', arb: unitRows(1e-5).map((x) => ({ make: () => new Logit(), x })) },
  { name: 'Invert(Sigmoid) (x in [1e-5, 1 − 1e-5])', arb: unitRows(1e-5).map((x) => ({ make: () => new Invert(new Sigmoid()), x })) },
  simple('Reverse (|x| ≤ 1e4)', () => new Reverse(), 1e4),
  {
    name: 'Permute (random permutation, |x| ≤ 1e4)',
    arb: dimArb.chain((dim) => fc.tuple(fc.integer({ min: 0, max: 2 ** 31 - 1 }), rows(BATCH, dim, 1e4))).map(([seed, x]) => ({ make: () => Permute.random(x[0].length, seed), x })),
  },
];

describe.each(families)('$name', ({ arb }) => {
  it(`round trip, cancelling log-dets, autodiff Jacobians, finite values and gradients, no leaks (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(arb, ({ make, x }) => {
        const b = make();
        try {
          expectBijectorProperties(b, x, undefined, TOL);
        } finally {
          b.dispose();
        }
      }),
      { numRuns: RUNS },
    );
  });
});
