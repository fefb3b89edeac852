/** Bad inputs to Flow methods, builders, bijector and distribution constructors, rqSpline and checkBijector. */
import {
  ActNorm, Affine, AffineCoupling, BatchNorm, Chain, DiagNormal, Exp, Flow, Invert, LULinear,
  MaskedAutoregressiveAffine, MaskedAutoregressiveSpline, Permute, Planar, Radial, Scale,
  Shift, SplineCoupling, StandardNormal, StudentT, checkBijector, maskedAutoregressiveFlow, neuralSplineFlow,
  planarFlow, radialFlow, realNVP, rqSpline, tf,
} from '../../src/index.js';
import type { BadCase } from '../helpers/bad-input.js';

interface Fixtures {
  flow: Flow; // unconditional, dim 2
  cond: Flow; // conditional, dim 2, contextDim 1
  planar: Flow; // forward-only
  x: tf.Tensor2D; // [3, 2]
  disposed: tf.Tensor2D;
}
const f = {} as Fixtures;

export function setupFlowFixtures(): void {
  f.flow = realNVP({ dim: 2, layers: 2, hidden: [4], seed: 1 });
  f.cond = maskedAutoregressiveFlow({ dim: 2, layers: 1, hidden: [4], contextDim: 1, seed: 2 });
  f.planar = planarFlow({ dim: 2, layers: 2, seed: 3 });
  f.x = tf.tensor2d([[0, 1], [2, 3], [4, 5]]);
  f.disposed = tf.tensor2d([[0, 1]]);
  f.disposed.dispose();
}
export function teardownFlowFixtures(): void {
  f.flow.dispose();
  f.cond.dispose();
  f.planar.dispose();
  f.x.dispose();
}

const x2 = [[0, 1], [1, 2]];
/** Spline arguments for inputs [2, 2] and K = 4: x, widths, heights, derivatives (3 and 4 per input), bad widths [3, 2, 4], int32 x. */
const SPLINE = () => [tf.zeros([2, 2]), tf.zeros([2, 2, 4]), tf.zeros([2, 2, 4]), tf.zeros([2, 2, 3]), tf.zeros([2, 2, 4]), tf.zeros([3, 2, 4]), tf.zeros([2, 2], 'int32')];

export const FLOW_CASES: BadCase[] = [
  // Flow.logProb
  { name: 'logProb: wrong width', run: () => f.flow.logProb([[1, 2, 3]]), arg: 'x' },
  { name: 'logProb: rank-1 array', run: () => f.flow.logProb([1, 2] as never), arg: 'x' },
  { name: 'logProb: rank-3 tensor', given: () => tf.zeros([1, 2, 2]), run: (t) => f.flow.logProb(t), arg: 'x' },
  { name: 'logProb: ragged rows', run: () => f.flow.logProb([[1, 2], [3]]), arg: 'x', message: /ragged/ },
  { name: 'logProb: NaN', run: () => f.flow.logProb([[1, NaN]]), arg: 'x', message: /NaN at row 0, column 1/ },
  { name: 'logProb: Infinity', run: () => f.flow.logProb([[Infinity, 0]]), arg: 'x', message: /Infinity/ },
  { name: 'logProb: NaN in a tensor', given: () => tf.tensor2d([[0, NaN]]), run: (t) => f.flow.logProb(t), arg: 'x' },
  { name: 'logProb: empty', run: () => f.flow.logProb([]), arg: 'x' },
  { name: 'logProb: string cell', run: () => f.flow.logProb([[1, '2' as never]]), arg: 'x' },
  { name: 'logProb: a string', run: () => f.flow.logProb('1,2' as never), arg: 'x' },
  { name: 'logProb: null', run: () => f.flow.logProb(null as never), arg: 'x' },
  { name: 'logProb: disposed tensor', run: () => f.flow.logProb(f.disposed), arg: 'x' },
  { name: 'logProb: bool tensor', given: () => tf.tensor2d([[1, 0]], [1, 2], 'bool'), run: (t) => f.flow.logProb(t), arg: 'x' },
  { name: 'logProb: { data, shape } of wrong length', run: () => f.flow.logProb({ data: new Float32Array(3), shape: [2, 2] }), arg: 'x' },
  { name: 'logProb: context on an unconditional flow', run: () => f.flow.logProb(x2, [[1], [2]]), arg: 'context' },
  { name: 'logProb: missing context', run: () => f.cond.logProb(x2), arg: 'context' },
  { name: 'logProb: context of wrong width', run: () => f.cond.logProb(x2, [[1, 2], [3, 4]]), arg: 'context' },
  { name: 'logProb: context of wrong rows', run: () => f.cond.logProb(x2, [[1]]), arg: 'context' },
  { name: 'logProb: NaN context', run: () => f.cond.logProb(x2, [[1], [NaN]]), arg: 'context' },
  // Flow.sample / sampleAndLogProb
  { name: 'sample: n = 0', run: () => f.flow.sample(0), arg: 'n' },
  { name: 'sample: negative n', run: () => f.flow.sample(-3), arg: 'n' },
  { name: 'sample: non-integer n', run: () => f.flow.sample(2.5), arg: 'n' },
  { name: 'sample: n as a string', run: () => f.flow.sample('10' as never), arg: 'n' },
  { name: 'sample: NaN n', run: () => f.flow.sample(NaN), arg: 'n' },
  { name: 'sample: unknown option', run: () => f.flow.sample(3, { sed: 1 } as never), arg: 'options', message: /"sed"/ },
  { name: 'sample: options not an object', run: () => f.flow.sample(3, 7 as never), arg: 'options' },
  { name: 'sample: bad seed', run: () => f.flow.sample(3, { seed: {} as never }), arg: 'options.seed' },
  { name: 'sample: context on an unconditional flow', run: () => f.flow.sample(3, { context: [[1], [1], [1]] }), arg: 'context' },
  { name: 'sample: missing context', run: () => f.cond.sample(3), arg: 'context' },
  { name: 'sample: context of wrong width', run: () => f.cond.sample(2, { context: [[1, 2], [3, 4]] }), arg: 'context' },
    { name: 'sampleAndLogProb: n = 0', run: () => f.flow.sampleAndLogProb(0), arg: 'n' },
  { name: 'sampleAndLogProb: unknown option', run: () => f.flow.sampleAndLogProb(2, { Seed: 1 } as never), arg: 'options' },
  { name: 'sampleAndLogProb: missing context', run: () => f.cond.sampleAndLogProb(2), arg: 'context' },
  // Flow.forwardStates / standardize
  { name: 'forwardStates: wrong width', run: () => f.flow.forwardStates([[1, 2, 3]]), arg: 'z' },
  { name: 'forwardStates: NaN', run: () => f.flow.forwardStates([[NaN, 2]]), arg: 'z' },
  { name: 'forwardStates: missing context', run: () => f.cond.forwardStates(x2), arg: 'context' },
  { name: 'forwardStates: context on an unconditional flow', run: () => f.flow.forwardStates(x2, [[1], [1]]), arg: 'context' },
  { name: 'standardize: std = 0', run: () => f.flow.standardize({ mean: [0, 0], std: [1, 0] }), arg: 'stats.std[1]' },
  { name: 'standardize: wrong length', run: () => f.flow.standardize({ mean: [0, 0, 0], std: [1, 1] }), arg: 'stats.mean' },
  { name: 'standardize: NaN mean', run: () => f.flow.standardize({ mean: [NaN, 0], std: [1, 1] }), arg: 'stats.mean[0]' },
  { name: 'standardize: not an object', run: () => f.flow.standardize(5 as never), arg: /stats/ },
  { name: 'Flow: no base', run: () => new Flow(undefined as never, new Exp()), arg: 'base' },
  { name: 'Flow: no bijector', run: () => new Flow(new StandardNormal(2), {} as never), arg: 'bijector' },
  { name: 'Flow: dimension mismatch', given: () => new Affine(3), run: (b) => new Flow(new StandardNormal(2), b), arg: 'bijector' },
  // Builders
  { name: 'realNVP: no options', run: () => realNVP(undefined as never), arg: /options|dim/ },
  { name: 'realNVP: dim 0', run: () => realNVP({ dim: 0 }), arg: 'options.dim' },
  { name: 'realNVP: dim 1', run: () => realNVP({ dim: 1 }), arg: 'options.dim' },
  { name: 'realNVP: non-integer layers', run: () => realNVP({ dim: 2, layers: 1.5 }), arg: 'options.layers' },
  { name: 'realNVP: negative hidden size', run: () => realNVP({ dim: 2, hidden: [-4] }), arg: /hidden/ },
  { name: 'realNVP: unknown option', run: () => realNVP({ dim: 2, layer: 3 } as never), arg: 'options', message: /"layer"/ },
  { name: 'realNVP: unknown activation', run: () => realNVP({ dim: 2, activation: 'rleu' as never }), arg: /activation/ },
  { name: 'realNVP: negative contextDim', run: () => realNVP({ dim: 2, contextDim: -1 }), arg: 'options.contextDim' },
  { name: 'realNVP: dim as a string', run: () => realNVP({ dim: '2' as never }), arg: 'options.dim' },
  { name: 'neuralSplineFlow: bins 0', run: () => neuralSplineFlow({ dim: 2, bins: 0 }), arg: /bins/ },
  { name: 'neuralSplineFlow: negative tailBound', run: () => neuralSplineFlow({ dim: 2, tailBound: -1 }), arg: /tailBound/ },
  { name: 'neuralSplineFlow: unknown option', run: () => neuralSplineFlow({ dim: 2, bin: 8 } as never), arg: 'options' },
  { name: 'maskedAutoregressiveFlow: dim 0', run: () => maskedAutoregressiveFlow({ dim: 0 }), arg: 'options.dim' },
  { name: 'maskedAutoregressiveFlow: layers 0', run: () => maskedAutoregressiveFlow({ dim: 2, layers: 0 }), arg: 'options.layers' },
  { name: 'maskedAutoregressiveFlow: unknown option', run: () => maskedAutoregressiveFlow({ dim: 2, hiden: [4] } as never), arg: 'options' },
  { name: 'planarFlow: layers -1', run: () => planarFlow({ dim: 2, layers: -1 }), arg: 'options.layers' },
  { name: 'planarFlow: unknown option', run: () => planarFlow({ dim: 2, contextDim: 1 } as never), arg: 'options' },
  { name: 'radialFlow: dim 2.5', run: () => radialFlow({ dim: 2.5, layers: 2 }), arg: 'options.dim' },
  // Bijector constructors
  { name: 'Shift: NaN', run: () => new Shift(NaN), arg: /shift/ },
  { name: 'Shift: empty array', run: () => new Shift([]), arg: /shift/ },
  { name: 'Scale: zero', run: () => new Scale(0), arg: /scale/ },
  { name: 'Scale: negative entry', run: () => new Scale([1, -2]), arg: /scale/ },
  { name: 'Affine: dim 0', run: () => new Affine(0), arg: 'dim' },
  { name: 'Affine: shift of wrong length', run: () => new Affine(2, { shift: [1, 2, 3] }), arg: /shift/ },
  { name: 'Affine: unknown option', run: () => new Affine(2, { shfit: 1 } as never), arg: 'options' },
  { name: 'Permute: not a permutation', run: () => new Permute([0, 0, 1]), arg: 'permutation' },
  { name: 'Permute: non-integer entry', run: () => new Permute([0, 1.5]), arg: /permutation/ },
  { name: 'Planar: dim -1', run: () => new Planar(-1), arg: 'dim' },
  { name: 'Planar: u of wrong length', run: () => new Planar(2, { u: [1, 2, 3] }), arg: /u/ },
  { name: 'Radial: unknown option', run: () => new Radial(2, { alpah: 1 } as never), arg: 'options' },
  { name: 'Chain: not an array', run: () => new Chain(new Exp() as never), arg: /bijectors/ },
  { name: 'Chain: a non-bijector', run: () => new Chain([new Exp(), {} as never]), arg: /bijectors/ },
  { name: 'Chain: dimension mismatch', given: () => [new Affine(2), new Affine(3)], run: (bs) => new Chain(bs), arg: /bijectors/ },
  { name: 'Invert: a number', run: () => new Invert(3 as never), arg: 'bijector' },
  { name: 'AffineCoupling: no mask', run: () => new AffineCoupling({} as never), arg: /mask/ },
  { name: 'AffineCoupling: mask all true', run: () => new AffineCoupling({ mask: [true, true] }), arg: /mask/ },
  { name: 'AffineCoupling: mask of strings', run: () => new AffineCoupling({ mask: ['a', 'b'] as never }), arg: /mask/ },
  { name: 'SplineCoupling: bins 0', run: () => new SplineCoupling({ mask: [true, false], bins: 0 } as never), arg: /bins/ },
  { name: 'MaskedAutoregressiveAffine: dim 0', run: () => new MaskedAutoregressiveAffine(0), arg: 'dim' },
  { name: 'MaskedAutoregressiveSpline: unknown option', run: () => new MaskedAutoregressiveSpline(2, { bin: 4 } as never), arg: 'options' },
  { name: 'LULinear: dim 0', run: () => new LULinear(0), arg: 'dim' },
  { name: 'ActNorm: dim as a string', run: () => new ActNorm('2' as never), arg: 'dim' },
  { name: 'BatchNorm: negative momentum', run: () => new BatchNorm(2, { momentum: -1 } as never), arg: /momentum/ },
  // Bijector methods called directly
  { name: 'Bijector.inverse: wrong width', given: () => [new Affine(2), tf.zeros([2, 3])], run: ([b, t]) => b.inverse(t), arg: 'y' },
  { name: 'Bijector.forward: rank 1', given: () => [new Affine(2), tf.zeros([2])], run: ([b, t]) => b.forward(t), arg: 'x' },
  // Distributions
  { name: 'StandardNormal: dim 0', run: () => new StandardNormal(0), arg: 'dim' },
  { name: 'DiagNormal: zero scale', run: () => new DiagNormal(2, { scale: [1, 0] }), arg: /scale/ },
  { name: 'DiagNormal: loc of wrong length', run: () => new DiagNormal(2, { loc: [0, 0, 0] }), arg: /loc/ },
  { name: 'StudentT: df 0', run: () => new StudentT(2, { df: 0 }), arg: /df/ },
  { name: 'StudentT: unknown option', run: () => new StudentT(2, { nu: 3 } as never), arg: 'options' },
  { name: 'Distribution.logProb: wrong width', given: () => tf.zeros([1, 3]), run: (t) => new StandardNormal(2).logProb(t), arg: 'z' },
  { name: 'Distribution.sample: n = 0', run: () => new StandardNormal(2).sample(0, undefined as never), arg: 'n' },
  // rqSpline
  { name: 'rqSpline: inputs not a tensor', given: SPLINE, run: (t) => rqSpline([[0]] as never, t[1], t[2], t[3]), arg: 'inputs' },
  { name: 'rqSpline: widths of wrong shape', given: SPLINE, run: (t) => rqSpline(t[0], t[5], t[5], t[3]), arg: 'unnormalizedWidths' },
  { name: 'rqSpline: derivatives of wrong count', given: SPLINE, run: (t) => rqSpline(t[0], t[1], t[2], t[4]), arg: 'unnormalizedDerivatives' },
  { name: 'rqSpline: int32 inputs', given: SPLINE, run: (t) => rqSpline(t[6], t[1], t[2], t[3]), arg: 'inputs' },
  { name: 'rqSpline: unknown option', given: SPLINE, run: (t) => rqSpline(t[0], t[1], t[2], t[3], { tailbound: 3 } as never), arg: 'options' },
  { name: 'rqSpline: tailBound 0', given: SPLINE, run: (t) => rqSpline(t[0], t[1], t[2], t[3], { tailBound: 0 }), arg: 'options.tailBound' },
  { name: 'rqSpline: minBinWidth too large', given: SPLINE, run: (t) => rqSpline(t[0], t[1], t[2], t[3], { minBinWidth: 0.5 }), arg: 'options.minBinWidth' },
  { name: 'rqSpline: tails typo', given: SPLINE, run: (t) => rqSpline(t[0], t[1], t[2], t[3], { tails: 'linaer' as never }), arg: 'options.tails' },
  // checkBijector
  { name: 'checkBijector: not a bijector', run: () => checkBijector({} as never, x2), arg: 'bijector' },
  { name: 'checkBijector: wrong width', given: () => new Affine(2), run: (b) => checkBijector(b, [[1, 2, 3]]), arg: 'x' },
  { name: 'checkBijector: NaN', given: () => new Affine(2), run: (b) => checkBijector(b, [[1, NaN]]), arg: 'x' },
  { name: 'checkBijector: unknown option', given: () => new Affine(2), run: (b) => checkBijector(b, x2, { jacobain: true } as never), arg: 'options' },
  { name: 'checkBijector: missing context', run: () => checkBijector(f.cond.bijector, x2), arg: 'context' },
  { name: 'checkBijector: context of wrong width', run: () => checkBijector(f.cond.bijector, x2, { context: [[1, 2], [3, 4]] }), arg: 'options.context' },
  { name: 'checkBijector: NaN context', run: () => checkBijector(f.cond.bijector, x2, { context: [[1], [NaN]] }), arg: 'options.context' },
  { name: 'checkBijector: context on an unconditional bijector', given: () => new Affine(2), run: (b) => checkBijector(b, x2, { context: [[1], [1]] }), arg: 'options.context' },
];
