/**
 * The one table every bijector joins. Each case builds a bijector and draws points of its forward
 * domain; `test/bijectors/generic.test.ts` runs `checkBijector` and the leak check on every case.
 */
import {
  Affine, type Bijector, Chain, Exp, Invert, Logit, Permute, Reverse, Rng, Scale, Shift, Sigmoid, Softplus, Tanh,
} from '../../src/index.js';

export interface BijectorCase {
  name: string;
  dim: number;
  make: () => Bijector;
  /** Points of the forward domain, `[n][dim]`. */
  domain: (rng: Rng, n: number) => number[][];
  /** Context dimension when conditional. */
  contextDim?: number;
}

const normal = (dim: number, sd = 1.5) => (rng: Rng, n: number) =>
  Array.from({ length: n }, () => Array.from({ length: dim }, () => sd * rng.normal()));
const unit = (dim: number) => (rng: Rng, n: number) =>
  Array.from({ length: n }, () => Array.from({ length: dim }, () => 0.02 + 0.96 * rng.uniform()));

export const bijectorCases: BijectorCase[] = [
  { name: 'Shift', dim: 3, make: () => new Shift([1, -2, 0.5]), domain: normal(3) },
  { name: 'Shift (scalar)', dim: 2, make: () => new Shift(3), domain: normal(2) },
  { name: 'Scale', dim: 3, make: () => new Scale([2, 0.25, 7]), domain: normal(3) },
  { name: 'Affine', dim: 4, make: () => new Affine(4, { shift: [1, 2, 3, 4], scale: [0.5, 2, 1, 3] }), domain: normal(4) },
  { name: 'Exp', dim: 2, make: () => new Exp(), domain: normal(2) },
  { name: 'Softplus', dim: 3, make: () => new Softplus(), domain: normal(3, 3) },
  { name: 'Sigmoid', dim: 2, make: () => new Sigmoid(), domain: normal(2) },
  { name: 'Logit', dim: 2, make: () => new Logit(), domain: unit(2) },
  { name: 'Tanh', dim: 3, make: () => new Tanh(), domain: normal(3, 1) },
  { name: 'Permute', dim: 5, make: () => Permute.random(5, 1), domain: normal(5) },
  { name: 'Reverse', dim: 4, make: () => new Reverse(), domain: normal(4) },
  { name: 'Invert(Sigmoid)', dim: 2, make: () => new Invert(new Sigmoid()), domain: unit(2) },
  {
    name: 'Chain(Shift, Scale, Permute, Tanh)',
    dim: 3,
    make: () => new Chain([new Shift([1, 2, 3]), new Scale([2, 3, 4]), new Permute([1, 2, 0]), new Tanh()]),
    domain: normal(3, 1),
  },
];
