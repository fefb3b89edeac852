/**
 * The one table every bijector joins. Each case builds a bijector and draws points of its forward
 * domain; `test/bijectors/generic.test.ts` runs `checkBijector` and the leak check on every case, and
 * `test/engine/tape-free-law.test.ts` checks every case whose class has a tape-free rule against the
 * tape (a class with a rule must appear here in 2, 5 and 10 dimensions).
 */
import {
  ActNorm, Affine, AffineCoupling, AffineTransformer, BatchNorm, type Bijector, Chain, Coupling, Exp, Invert, LULinear, Logit,
  MaskedAutoregressive, MaskedAutoregressiveAffine, MaskedAutoregressiveSpline, Permute, Planar, Radial, Reverse, Rng, Scale, ScaleMatvecTriL, Shift, Sigmoid, Softplus, SplineCoupling, Tanh,
  halfMask,
} from '../../src/index.js';

export interface BijectorCase {
  name: string;
  dim: number;
  make: () => Bijector;
  /** Points of the forward domain, `[n][dim]`. */
  domain: (rng: Rng, n: number) => number[][];
  /** Context dimension when conditional. */
  contextDim?: number;
  /**
   * Tolerance of the generic checks (default 1e-4). Raise it only for maps whose float32 conditioning
   * explains it (e.g. spline slopes far from 1), and say so at the case.
   */
  tol?: number;
}

const normal = (dim: number, sd = 1.5) => (rng: Rng, n: number) =>
  Array.from({ length: n }, () => Array.from({ length: dim }, () => sd * rng.normal()));
const unit = (dim: number) => (rng: Rng, n: number) =>
  Array.from({ length: n }, () => Array.from({ length: dim }, () => 0.02 + 0.96 * rng.uniform()));

/**
 * Add seeded N(0, sd²) noise to every trainable weight. Layers start as the identity, so without this
 * checkBijector would only ever test the identity map.
 */
export function perturbed<B extends Pick<Bijector, 'weights' | 'setWeights'>>(b: B, seed: string, sd = 0.3): B {
  const rng = new Rng(seed);
  const values: Record<string, Float32Array> = {};
  for (const w of b.weights) {
    const v = Float32Array.from(w.variable.dataSync());
    if (w.trainable) for (let i = 0; i < v.length; i++) v[i] += sd * rng.normal();
    values[w.name] = v;
  }
  b.setWeights(values);
  return b;
}

/** A BatchNorm in evaluation mode with perturbed affine weights and non-trivial running statistics. */
function batchNormCase(dim: number, seed: string): BatchNorm {
  const b = perturbed(new BatchNorm(dim), seed);
  const rng = new Rng(`${seed}:stats`);
  b.setWeights({
    shift: b.shift.dataSync() as Float32Array,
    logScale: b.logScale.dataSync() as Float32Array,
    runningMean: Float32Array.from({ length: dim }, () => rng.normal()),
    runningVar: Float32Array.from({ length: dim }, () => 0.2 + 2 * rng.uniform()),
  });
  return b;
}

const small = { hidden: [16, 16] };
const alternating = (dim: number) => Array.from({ length: dim }, (_, i) => i % 2 === 0);

/** Conditioner-based bijectors: every class in 2, 5 and 10 dimensions, without and with a context. */
const conditionedCases: BijectorCase[] = [2, 5, 10].flatMap((dim) =>
  [0, 3].flatMap((contextDim): BijectorCase[] => {
    const tag = `${dim}D${contextDim ? ', context 3' : ''}`;
    const mask = dim === 2 ? halfMask(2) : dim === 5 ? [true, false, false, true, false] : alternating(dim);
    const ordering = dim === 5 ? [3, 0, 4, 1, 2] : undefined;
    return [
      {
        name: `AffineCoupling ${tag}`,
        dim,
        contextDim,
        make: () => perturbed(new AffineCoupling({ ...small, mask, contextDim, seed: `ac${tag}` }), `ac${tag}`),
        domain: normal(dim),
      },
      {
        name: `MaskedAutoregressiveAffine ${tag}`,
        dim,
        contextDim,
        make: () => perturbed(new MaskedAutoregressiveAffine(dim, { ...small, contextDim, ordering, seed: `maf${tag}` }), `maf${tag}`),
        domain: normal(dim),
      },
      {
        // sd 1.5 puts about 5% of inputs in the linear tails beyond ±3. Weight noise 0.1 keeps slopes
        // moderate: at slope 1e-5 a float32 round trip is off by ~1e-2 in x however exact the spline is.
        name: `SplineCoupling ${tag}`,
        dim,
        contextDim,
        make: () => perturbed(new SplineCoupling({ ...small, mask, contextDim, bins: 6, tailBound: 3, seed: `sc${tag}` }), `sc${tag}`, 0.1),
        domain: normal(dim),
        // Slopes of 0.01–100 amplify float32 rounding of y into the inverse's log-det (measured 1.4e-4 in 10D).
        tol: 3e-4,
      },
      {
        name: `MaskedAutoregressiveSpline ${tag}`,
        dim,
        contextDim,
        make: () => perturbed(new MaskedAutoregressiveSpline(dim, { ...small, contextDim, ordering, bins: 5, tailBound: 3, seed: `mas${tag}` }), `mas${tag}`, 0.1),
        domain: normal(dim),
        tol: 3e-4,
      },
    ];
  }),
);

/**
 * Chains of layers with tape-free rules (couplings, permutations, ActNorm, LU), in 2, 5 and 10
 * dimensions, without and with a context (passed to every member; only the couplings read it).
 */
const chainCases: BijectorCase[] = [2, 5, 10].flatMap((dim) =>
  [0, 3].map((contextDim): BijectorCase => {
    const tag = `${dim}D${contextDim ? ', context 3' : ''}`;
    return {
      name: `Chain(AffineCoupling, Reverse, ActNorm, LULinear, SplineCoupling, Permute) ${tag}`,
      dim,
      contextDim,
      make: () =>
        new Chain([
          perturbed(new AffineCoupling({ ...small, mask: halfMask(dim), contextDim, seed: `cha${tag}` }), `cha${tag}`),
          new Reverse(),
          perturbed(actNormInitialised(dim), `chn${tag}`),
          perturbed(new LULinear(dim), `chl${tag}`, 0.2),
          perturbed(new SplineCoupling({ ...small, mask: halfMask(dim, true), contextDim, bins: 5, tailBound: 3, seed: `chs${tag}` }), `chs${tag}`, 0.1),
          Permute.random(dim, `chp${tag}`),
        ]),
      domain: normal(dim),
      tol: 3e-4,
    };
  }),
);

/**
 * A kernel-conditioned layer with its auxiliary points set (`initialized` = 1) and every trainable
 * weight perturbed. Points spread N(0, 1.5²) as the domain; log length-scales near 0.
 */
function kernelReady<B extends Bijector>(b: B, seed: string, sd: number): B {
  const rng = new Rng(`${seed}:points`);
  const values: Record<string, Float32Array> = {};
  for (const w of b.weights) {
    const v = Float32Array.from(w.variable.dataSync());
    if (w.name.endsWith('centres')) for (let i = 0; i < v.length; i++) v[i] = 1.5 * rng.normal();
    else if (w.name.endsWith('initialized')) v[0] = 1;
    else if (w.trainable) for (let i = 0; i < v.length; i++) v[i] += sd * rng.normal();
    values[w.name] = v;
  }
  b.setWeights(values);
  return b;
}

/** Layers with the other conditioners (`conditioner` option): residual, kernel, dropout (evaluation mode), each norm. */
const conditionerCases: BijectorCase[] = [
  { name: 'AffineCoupling, resnet conditioner 5D', dim: 5, make: () => perturbed(new AffineCoupling({ mask: [true, false, false, true, false], conditioner: { type: 'resnet', hidden: [16, 16] }, seed: 'rn' }), 'rn', 0.2), domain: normal(5) },
  {
    name: 'AffineCoupling, resnet + batch norm + dropout (eval), context 2, 4D',
    dim: 4,
    contextDim: 2,
    make: () => perturbed(new AffineCoupling({ mask: halfMask(4), contextDim: 2, conditioner: { type: 'resnet', hidden: [16], norm: 'batch', dropout: 0.3 }, seed: 'rnb' }), 'rnb', 0.2),
    domain: normal(4),
  },
  { name: 'AffineCoupling, MLP + layer norm 5D', dim: 5, make: () => perturbed(new AffineCoupling({ mask: halfMask(5), conditioner: { hidden: [16, 16], norm: 'layer' }, seed: 'ln' }), 'ln'), domain: normal(5) },
  { name: 'AffineCoupling, MLP + weight norm + dropout (eval) 3D', dim: 3, make: () => perturbed(new AffineCoupling({ mask: [0, 1, 1], conditioner: { hidden: [16, 16], norm: 'weight', dropout: 0.2 }, seed: 'wn' }), 'wn'), domain: normal(3) },
  { name: 'AffineCoupling, MLP + batch norm 2D', dim: 2, make: () => perturbed(new AffineCoupling({ mask: halfMask(2), conditioner: { hidden: [16], norm: 'batch' }, seed: 'bn' }), 'bn'), domain: normal(2) },
  { name: 'AffineCoupling, kernel conditioner 2D', dim: 2, make: () => kernelReady(new AffineCoupling({ mask: halfMask(2), conditioner: { type: 'kernel', points: 12 }, seed: 'k2' }), 'k2', 0.3), domain: normal(2) },
  {
    name: 'SplineCoupling, kernel conditioner 5D, context 2',
    dim: 5,
    contextDim: 2,
    make: () => kernelReady(new SplineCoupling({ mask: [true, false, true, false, false], contextDim: 2, bins: 5, tailBound: 3, conditioner: { type: 'kernel', points: 10 }, seed: 'ks' }), 'ks', 0.1),
    domain: normal(5),
    tol: 3e-4,
  },
  {
    name: 'MaskedAutoregressiveAffine, masked resnet + batch norm + dropout (eval) 4D',
    dim: 4,
    make: () => perturbed(new MaskedAutoregressiveAffine(4, { ordering: [2, 0, 3, 1], conditioner: { type: 'resnet', hidden: [16, 16], norm: 'batch', dropout: 0.2 }, seed: 'mrn' }), 'mrn', 0.2),
    domain: normal(4),
  },
  { name: 'MaskedAutoregressiveAffine, MADE + weight norm, context 2, 3D', dim: 3, contextDim: 2, make: () => perturbed(new MaskedAutoregressiveAffine(3, { contextDim: 2, conditioner: { hidden: [16, 16], norm: 'weight' }, seed: 'mwn' }), 'mwn'), domain: normal(3) },
  { name: 'MaskedAutoregressiveAffine, masked kernel 4D', dim: 4, make: () => kernelReady(new MaskedAutoregressiveAffine(4, { ordering: [1, 3, 0, 2], conditioner: { type: 'kernel', points: 10 }, seed: 'mk' }), 'mk', 0.3), domain: normal(4) },
  {
    name: 'MaskedAutoregressiveSpline, masked kernel 3D, context 1',
    dim: 3,
    contextDim: 1,
    make: () => kernelReady(new MaskedAutoregressiveSpline(3, { contextDim: 1, bins: 5, tailBound: 3, conditioner: { type: 'kernel', points: 8 }, seed: 'mks' }), 'mks', 0.1),
    domain: normal(3),
    tol: 3e-4,
  },
  {
    name: 'MaskedAutoregressiveSpline, masked resnet 3D',
    dim: 3,
    make: () => perturbed(new MaskedAutoregressiveSpline(3, { bins: 5, tailBound: 3, conditioner: { type: 'resnet', hidden: [16] }, seed: 'mrs' }), 'mrs', 0.1),
    domain: normal(3),
    tol: 3e-4,
  },
];

export const bijectorCases: BijectorCase[] = [
  ...conditionedCases,
  ...conditionerCases,
  ...chainCases,
  {
    name: 'AffineCoupling (softplus scale, tanh) 5D',
    dim: 5,
    make: () => perturbed(new AffineCoupling({ ...small, mask: [false, true, false, true, true], scale: 'softplus', activation: 'tanh', seed: 1 }), 'acsp'),
    domain: normal(5),
  },
  {
    name: 'AffineCoupling 5D (transformed block first, context 1)',
    dim: 5,
    contextDim: 1,
    make: () => perturbed(new AffineCoupling({ ...small, mask: halfMask(5, true), contextDim: 1, seed: 6 }), 'acflip'),
    domain: normal(5),
  },
  {
    name: 'SplineCoupling 3D, spline on the sampling path (invert: false)',
    dim: 3,
    make: () => perturbed(new SplineCoupling({ ...small, mask: [true, false, false], bins: 6, tailBound: 3, invert: false, seed: 8 }), 'scinv', 0.1),
    domain: normal(3),
    tol: 3e-4,
  },
  {
    name: 'MaskedAutoregressiveSpline 3D, spline on the sampling path (invert: false)',
    dim: 3,
    make: () => perturbed(new MaskedAutoregressiveSpline(3, { ...small, bins: 5, tailBound: 3, invert: false, seed: 9 }), 'masinv', 0.1),
    domain: normal(3),
    tol: 3e-4,
  },
  {
    name: 'Coupling(AffineTransformer, no clamp) 3D',
    dim: 3,
    make: () => perturbed(new Coupling(new AffineTransformer({ clamp: null }), { ...small, mask: [0, 1, 0], seed: 2 }), 'cpl'),
    domain: normal(3),
  },
  {
    name: 'MaskedAutoregressive(AffineTransformer softplus) 4D, context 2',
    dim: 4,
    contextDim: 2,
    make: () => perturbed(new MaskedAutoregressive(new AffineTransformer({ scale: 'softplus' }), 4, { ...small, contextDim: 2, activation: 'silu', seed: 3 }), 'ma'),
    domain: normal(4),
  },
  {
    name: 'IAF = Invert(MaskedAutoregressiveAffine) 5D, context 2',
    dim: 5,
    contextDim: 2,
    make: () => new Invert(perturbed(new MaskedAutoregressiveAffine(5, { ...small, contextDim: 2, seed: 4 }), 'iaf')),
    domain: normal(5),
  },
  { name: 'LULinear 2D', dim: 2, make: () => perturbed(new LULinear(2), 'lu2'), domain: normal(2) },
  { name: 'LULinear 5D (exp diagonal, permutation)', dim: 5, make: () => perturbed(new LULinear(5, { diagonal: 'exp', permutation: [2, 4, 0, 1, 3] }), 'lu5'), domain: normal(5) },
  { name: 'LULinear 10D', dim: 10, make: () => perturbed(new LULinear(10), 'lu10', 0.2), domain: normal(10) },
  { name: 'ActNorm 5D (initialised, perturbed)', dim: 5, make: () => perturbed(actNormInitialised(5), 'an5'), domain: normal(5) },
  { name: 'ActNorm 3D (data-dependent init on first call)', dim: 3, make: () => new ActNorm(3), domain: normal(3, 2) },
  { name: 'ActNorm 2D (initialised, perturbed)', dim: 2, make: () => perturbed(actNormInitialised(2), 'an2'), domain: normal(2) },
  { name: 'ActNorm 10D (initialised, perturbed)', dim: 10, make: () => perturbed(actNormInitialised(10), 'an10'), domain: normal(10) },
  { name: 'BatchNorm 2D (eval)', dim: 2, make: () => batchNormCase(2, 'bn2'), domain: normal(2) },
  { name: 'BatchNorm 5D (eval)', dim: 5, make: () => batchNormCase(5, 'bn5'), domain: normal(5) },
  { name: 'BatchNorm 10D (eval)', dim: 10, make: () => batchNormCase(10, 'bn10'), domain: normal(10) },
  { name: 'Shift', dim: 3, make: () => new Shift([1, -2, 0.5]), domain: normal(3) },
  { name: 'Shift (scalar)', dim: 2, make: () => new Shift(3), domain: normal(2) },
  { name: 'Scale', dim: 3, make: () => new Scale([2, 0.25, 7]), domain: normal(3) },
  { name: 'ScaleMatvecTriL 3D', dim: 3, make: () => new ScaleMatvecTriL([[2, 0, 0], [-0.7, 0.5, 0], [1.2, 0.3, 1.5]]), domain: normal(3) },
  { name: 'Affine', dim: 4, make: () => new Affine(4, { shift: [1, 2, 3, 4], scale: [0.5, 2, 1, 3] }), domain: normal(4) },
  { name: 'Exp', dim: 2, make: () => new Exp(), domain: normal(2) },
  { name: 'Softplus', dim: 3, make: () => new Softplus(), domain: normal(3, 3) },
  { name: 'Sigmoid', dim: 2, make: () => new Sigmoid(), domain: normal(2) },
  { name: 'Logit', dim: 2, make: () => new Logit(), domain: unit(2) },
  { name: 'Tanh', dim: 3, make: () => new Tanh(), domain: normal(3, 1) },
  { name: 'Permute', dim: 5, make: () => Permute.random(5, 1), domain: normal(5) },
  { name: 'Permute 2D', dim: 2, make: () => new Permute([1, 0]), domain: normal(2) },
  { name: 'Permute 10D', dim: 10, make: () => Permute.random(10, 2), domain: normal(10) },
  { name: 'Reverse', dim: 4, make: () => new Reverse(), domain: normal(4) },
  { name: 'Reverse 2D', dim: 2, make: () => new Reverse(), domain: normal(2) },
  { name: 'Reverse 5D', dim: 5, make: () => new Reverse(), domain: normal(5) },
  { name: 'Reverse 10D', dim: 10, make: () => new Reverse(), domain: normal(10) },
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

/** An ActNorm marked as initialised (so the perturbed weights are used as they are). */
function actNormInitialised(dim: number): ActNorm {
  const a = new ActNorm(dim);
  a.setWeights({ shift: new Float32Array(dim), logScale: new Float32Array(dim), initialized: [1] });
  return a;
}
