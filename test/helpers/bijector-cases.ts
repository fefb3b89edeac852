/**
 * The one table every bijector joins. Each case builds a bijector and draws points of its forward
 * domain; `test/bijectors/generic.test.ts` runs `checkBijector` and the leak check on every case.
 */
import {
  Affine, type Bijector, Chain, Exp, Invert, Logit, Permute, Planar, Radial, Reverse, Rng, Scale, Shift, Sigmoid, Softplus, Tanh,
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
  // Planar/Radial: explicit non-identity parameters, including wᵀu < −1 (the û correction is active).
  { name: 'Planar (tanh)', dim: 2, make: () => new Planar(2, { u: [1.2, -0.7], w: [0.8, 1.1], b: 0.3 }), domain: normal(2) },
  { name: 'Planar (tanh, wᵀu < −1)', dim: 3, make: () => new Planar(3, { u: [-1.5, 0.4, -0.9], w: [1.1, -0.6, 0.7], b: -0.4 }), domain: normal(3) },
  { name: 'Planar (tanh, 5 dims)', dim: 5, make: () => new Planar(5, { seed: 3, initScale: 1.5 }), domain: normal(5) },
  { name: 'Planar (leaky ReLU)', dim: 3, make: () => new Planar(3, { activation: 'leaky_relu', slope: 0.3, u: [0.9, -1.3, 0.5], w: [-0.7, 0.4, 1.2], b: 0.2 }), domain: normal(3) },
  { name: 'Planar (leaky ReLU, wᵀu < −1)', dim: 4, make: () => new Planar(4, { activation: 'leaky_relu', u: [-1, -2, 0.5, 0.3], w: [0.8, 1.1, -0.2, 0.4], b: 0.1 }), domain: normal(4) },
  { name: 'Radial', dim: 2, make: () => new Radial(2, { z0: [0.5, -0.3], alpha: 0.7, beta: 1.3 }), domain: normal(2) },
  { name: 'Radial (contracting, β near −α)', dim: 3, make: () => new Radial(3, { z0: [0.2, 0.1, -0.4], alpha: 1.5, beta: -1.2 }), domain: normal(3) },
  { name: 'Radial (5 dims)', dim: 5, make: () => new Radial(5, { seed: 4, alpha: 0.4, beta: 2.5 }), domain: normal(5) },
  {
    name: 'Chain(Shift, Scale, Permute, Tanh)',
    dim: 3,
    make: () => new Chain([new Shift([1, 2, 3]), new Scale([2, 3, 4]), new Permute([1, 2, 0]), new Tanh()]),
    domain: normal(3, 1),
  },
];
