/** Bad inputs to the smaller public helpers: Rng, gradient ops, schedules, annealing, Dense, weights and their codec. */
import {
  Affine, Dense, DiagNormal, MLP, Rng, StudentT, checkBijector, cosineDecay, decodeWeight, densityFigure, encodeWeight, fit,
  linearAnneal, realNVP, restoreWeights, scaleGradient, stopGradient, tf,
} from '../../src/index.js';
import type { BadCase } from '../helpers/bad-input.js';

const data = [[0, 1], [1, 2], [2, 0], [1, 1]];
const flow = () => realNVP({ dim: 2, layers: 2, hidden: [2], seed: 0 });


// The fit cases that fail during training pass `standardize: false`: fit's default standardisation
// gives the flow two weights of its own (a Shift and a Scale), which are the flow's, not a leak.
export const MISC_CASES: BadCase[] = [
  { name: 'Rng: object seed', run: () => new Rng({} as never), arg: 'seed' },
  { name: 'Rng: NaN seed', run: () => new Rng(NaN), arg: 'seed' },
  { name: 'Rng.normals: negative count', run: () => new Rng(1).normals(-1), arg: 'n' },
  { name: 'Rng.uniforms: non-integer count', run: () => new Rng(1).uniforms(2.5), arg: 'n' },
  { name: 'Rng.permutation: negative size', run: () => new Rng(1).permutation(-1), arg: 'n' },
  { name: 'Rng.setState: null', run: () => new Rng(1).setState(null as never), arg: 'state' },
  { name: 'Rng.setState: words missing', run: () => new Rng(1).setState({ alea: { c: 1 }, spare: null } as never), arg: 'state' },
  { name: 'scaleGradient: not a tensor', run: () => scaleGradient([1, 2] as never, 2), arg: 'x' },
  { name: 'scaleGradient: NaN factor', given: () => tf.zeros([2]), run: (t) => scaleGradient(t, NaN), arg: 'c' },
  { name: 'stopGradient: not a tensor', run: () => stopGradient(3 as never), arg: 'x' },
  { name: 'stopGradient: int32 tensor', given: () => tf.zeros([2], 'int32'), run: (t) => stopGradient(t), arg: 'x' },
  { name: 'cosineDecay: NaN rate', run: () => cosineDecay(NaN), arg: 'learningRate' },
  { name: 'cosineDecay: unknown option', run: () => cosineDecay(1e-3, { warmup: 10 } as never), arg: 'options', message: /"warmup"/ },
  { name: 'cosineDecay: negative warmup', run: () => cosineDecay(1e-3, { warmupSteps: -1 }), arg: 'options.warmupSteps' },
  { name: 'fit: schedule spec with a typo', given: flow, run: (fl) => fit(fl, data, { steps: 2, learningRate: { type: 'cosine', learningRate: 1e-3, warmup: 1 } as never }), arg: 'options' },
  { name: 'fit: schedule type typo', given: flow, run: (fl) => fit(fl, data, { steps: 2, learningRate: { type: 'cosin', learningRate: 1e-3 } as never }), arg: 'options.learningRate.type' },
  { name: 'fit: schedule function returning NaN at step 1', given: flow, run: (fl) => fit(fl, data, { steps: 2, standardize: false, learningRate: () => NaN }), arg: 'options.learningRate(1)' },
  { name: 'fit: schedule function returning NaN at step 2', given: flow, run: (fl) => fit(fl, data, { steps: 3, standardize: false, learningRate: (s: number) => (s === 2 ? NaN : 1e-3) }), arg: 'options.learningRate(2)' },
  { name: 'linearAnneal: annealSteps 0', run: () => linearAnneal(1, 0), arg: 'annealSteps' },
  { name: 'linearAnneal: negative step', run: () => linearAnneal(-1, 10), arg: 'step' },
  { name: 'linearAnneal: start 1', run: () => linearAnneal(1, 10, 1), arg: 'start' },
  { name: 'Dense: no Rng', run: () => new Dense(2, 2, null as never), arg: 'rng' },
  { name: 'Dense: outputs 0', run: () => new Dense(2, 0, new Rng(0)), arg: 'outputs' },
  { name: 'MLP: unknown option', run: () => new MLP(2, 2, { hiden: [3] } as never), arg: 'options' },
  { name: 'Affine: trainable a string', run: () => new Affine(2, { trainable: 'yes' as never }), arg: 'options.trainable' },
  { name: 'DiagNormal: trainable a number', run: () => new DiagNormal(2, { trainable: 1 as never }), arg: 'options.trainable' },
  { name: 'StudentT: trainable null', run: () => new StudentT(2, { trainable: null as never }), arg: 'options.trainable' },
  { name: 'checkBijector: jacobian a string', given: () => new Affine(2), run: (b) => checkBijector(b, data, { jacobian: 'yes' as never }), arg: 'options.jacobian' },
  { name: 'densityFigure: colorscale a number', given: flow, run: (fl) => densityFigure(fl, { colorscale: 5 as never }), arg: 'options.colorscale' },
  { name: 'densityFigure: colorscale stops out of order', given: flow, run: (fl) => densityFigure(fl, { colorscale: [[1, 'red'], [0, 'blue']] }), arg: 'options.colorscale' },
  { name: 'setWeights: null', given: () => new Affine(2), run: (b) => b.setWeights(null as never), arg: 'values' },
  { name: 'setWeights: missing entry', given: () => new Affine(2), run: (b) => b.setWeights({ shift: [0, 0] }), arg: 'values' },
  { name: 'setWeights: wrong length', given: () => new Affine(2), run: (b) => b.setWeights({ shift: [0, 0, 0], logScale: [0, 0] }), arg: "values['shift']" },
  { name: 'setWeights: NaN value', given: () => new Affine(2), run: (b) => b.setWeights({ shift: [0, NaN], logScale: [0, 0] }), arg: "values['shift']", message: /NaN at index 1/ },
  { name: 'setWeights: strings', given: () => new Affine(2), run: (b) => b.setWeights({ shift: ['0', '1'] as never, logScale: [0, 0] }), arg: "values['shift']" },
  { name: 'setWeights: tensor of the wrong size', given: () => [new Affine(2), tf.zeros([3])], run: ([b, t]) => b.setWeights({ shift: t, logScale: [0, 0] }), arg: "values['shift']" },
  { name: 'restoreWeights: null snapshot', given: () => new Affine(2), run: (b) => restoreWeights(b, null as never), arg: 'snapshot' },
  { name: 'encodeWeight: null', run: () => encodeWeight(null as never), arg: 'weight' },
  { name: 'encodeWeight: values of the wrong kind', run: () => encodeWeight({ name: 'w', shape: [2], dtype: 'float32', values: [1, 2] as never }), arg: 'weight' },
  { name: 'decodeWeight: null', run: () => decodeWeight(null as never), arg: 'record' },
  { name: 'decodeWeight: unknown dtype', run: () => decodeWeight({ name: 'w', shape: [1], dtype: 'float64' as never, data: 'AAAAAA==' }), arg: 'record' },
];

/** A bad `setWeights` entry must leave every weight unchanged (all entries are checked before any is assigned). */
export function setWeightsIsAtomic(): boolean {
  const b = new Affine(2, { shift: [1, 2] });
  try {
    b.setWeights({ shift: [5, 6], logScale: [0, NaN] });
  } catch {
    /* expected */
  }
  const shift = Array.from(b.weights.find((w) => w.name === 'shift')!.variable.dataSync());
  b.dispose();
  return shift[0] === 1 && shift[1] === 2;
}

