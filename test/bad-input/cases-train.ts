/** Bad inputs to fit, fitToTarget and importanceSample. */
import { FileFormatError, type Flow, fit, fitToTarget, importanceSample, maskedAutoregressiveFlow, realNVP, tf } from '../../src/index.js';
import type { BadCase } from '../helpers/bad-input.js';

const f = {} as { flow: Flow; cond: Flow };
export function setupTrainFixtures(): void {
  f.flow = realNVP({ dim: 2, layers: 2, hidden: [4], seed: 1 });
  f.cond = maskedAutoregressiveFlow({ dim: 2, layers: 1, hidden: [4], contextDim: 1, seed: 2 });
}
export function teardownTrainFixtures(): void {
  f.flow.dispose();
  f.cond.dispose();
}

const data = [[0, 1], [1, 2], [2, 0], [1, 1]];
/** A stream of batches (arrays are matrices, so a stream must be another iterable). */
function* stream(...batches: unknown[]): Generator<never, void, unknown> {
  for (const b of batches) yield b as never;
}
const once = { epochs: 1, standardize: false };
/** A normal log-density, the same for every row shape. */
const logNormal = (x: tf.Tensor2D) => tf.tidy(() => tf.mul(-0.5, tf.sum(tf.square(x), 1)) as tf.Tensor1D);

export const TRAIN_CASES: BadCase[] = [
  { name: 'fit: not a flow', run: () => fit({} as never, data, { steps: 1 }), arg: 'flow' },
  { name: 'fit: data of wrong width', run: () => fit(f.flow, [[1, 2, 3]], { steps: 1 }), arg: /data|x/ },
  { name: 'fit: empty data', run: () => fit(f.flow, [], { steps: 1 }), arg: /data|x/ },
  { name: 'fit: ragged data', run: () => fit(f.flow, [[1, 2], [3]], { steps: 1 }), arg: /data|x/ },
  { name: 'fit: NaN in data', run: () => fit(f.flow, [[1, 2], [NaN, 3]], { steps: 1 }), arg: /data|x/ },
  { name: 'fit: Infinity in a data tensor', given: () => tf.tensor2d([[1, 2], [-Infinity, 3]]), run: (t) => fit(f.flow, t, { steps: 1 }), arg: /data|x/ },
  { name: 'fit: data a string', run: () => fit(f.flow, 'moons' as never, { steps: 1 }), arg: /data/ },
  { name: 'fit: unknown option', run: () => fit(f.flow, data, { step: 1 } as never), arg: 'options', message: /"step"/ },
  { name: 'fit: learningrate typo', run: () => fit(f.flow, data, { learningrate: 1e-3 } as never), arg: 'options' },
  { name: 'fit: steps 0', run: () => fit(f.flow, data, { steps: 0 }), arg: /steps/ },
  { name: 'fit: non-integer steps', run: () => fit(f.flow, data, { steps: 2.5 }), arg: /steps/ },
  { name: 'fit: negative batchSize', run: () => fit(f.flow, data, { steps: 1, batchSize: -1 }), arg: /batchSize/ },
  { name: 'fit: learning rate NaN', run: () => fit(f.flow, data, { steps: 1, learningRate: NaN }), arg: /learningRate/ },
  { name: 'fit: negative learning rate', run: () => fit(f.flow, data, { steps: 1, learningRate: -1 }), arg: /learningRate/ },
  { name: 'fit: validationSplit 1', run: () => fit(f.flow, data, { steps: 1, validationSplit: 1 }), arg: /validationSplit/ },
  { name: 'fit: validationData of wrong width', run: () => fit(f.flow, data, { steps: 1, validationData: [[1, 2, 3]] }), arg: /validationData/ },
  { name: 'fit: both steps and epochs', run: () => fit(f.flow, data, { steps: 1, epochs: 1 }), arg: 'options', message: /steps 1 and epochs 1/ },
  { name: 'fit: context on an unconditional flow', run: () => fit(f.flow, data, { steps: 1, context: [[1], [1], [1], [1]] }), arg: /context/ },
  { name: 'fit: missing context', run: () => fit(f.cond, data, { steps: 1 }), arg: /context/ },
  { name: 'fit: context with wrong rows', run: () => fit(f.cond, data, { steps: 1, context: [[1], [1]] }), arg: /context/ },
  { name: 'fit: context of wrong width', run: () => fit(f.cond, data, { steps: 1, context: [[1, 1], [1, 1], [1, 1], [1, 1]] }), arg: /context/ },
  { name: 'fit: standardize with zero std', run: () => fit(f.flow, data, { steps: 1, standardize: { mean: [0, 0], std: [0, 1] } }), arg: /std/ },
  { name: 'fit: onStep not a function', run: () => fit(f.flow, data, { steps: 1, onStep: 3 as never }), arg: /onStep/ },
  { name: 'fit: resumeFrom corrupt JSON', run: () => fit(f.flow, data, { steps: 1, resumeFrom: '{not json' }), error: FileFormatError, message: /not valid JSON/ },
  { name: 'fit stream: second batch of wrong width', run: () => fit(f.flow, stream([[0, 1], [1, 2]], [[1, 2, 3]]), once), arg: 'data (epoch 1, batch 1)' },
  { name: 'fit stream: NaN in the second batch', run: () => fit(f.flow, stream([[0, 1], [1, 2]], [[1, NaN]]), once), arg: 'data (epoch 1, batch 1)', message: /NaN at row 0, column 1/ },
  { name: 'fit stream: NaN in a tensor batch', given: () => tf.tensor2d([[1, NaN]]), run: (t) => fit(f.flow, stream([[0, 1]], t), once), arg: 'data (epoch 1, batch 1)' },
  { name: 'fit stream: a string batch', run: () => fit(f.flow, stream('abc'), once), arg: 'data (epoch 1, batch 0)' },
  { name: 'fit stream: an empty batch', run: () => fit(f.flow, stream([]), once), arg: 'data (epoch 1, batch 0)' },
  { name: 'fit stream: missing context', run: () => fit(f.cond, stream([[0, 1]]), once), arg: 'data (epoch 1, batch 0).context' },
  { name: 'fit stream: context on an unconditional flow', run: () => fit(f.flow, stream({ x: [[0, 1]], context: [[1]] }), once), arg: 'data (epoch 1, batch 0).context' },
  { name: 'fit stream: context of wrong width in the second batch', run: () => fit(f.cond, stream({ x: [[0, 1]], context: [[1]] }, { x: [[0, 1]], context: [[1, 2]] }), once), arg: 'data (epoch 1, batch 1).context' },
  { name: 'fit stream: validationSplit', run: () => fit(f.flow, stream([[0, 1]]), { ...once, validationSplit: 0.5 }), arg: 'options.validationSplit' },
  { name: 'fitToTarget: not a flow', run: () => fitToTarget({} as never, logNormal), arg: 'flow' },
  { name: 'fitToTarget: logTarget not a function', run: () => fitToTarget(f.flow, 'u1' as never), arg: 'logTarget' },
  { name: 'fitToTarget: unknown option', run: () => fitToTarget(f.flow, logNormal, { samples: 8 } as never), arg: 'options' },
  { name: 'fitToTarget: steps -1', run: () => fitToTarget(f.flow, logNormal, { steps: -1 }), arg: /steps/ },
  { name: 'fitToTarget: samplesPerStep 0', run: () => fitToTarget(f.flow, logNormal, { steps: 1, samplesPerStep: 0 }), arg: /samplesPerStep/ },
  { name: 'fitToTarget: logTarget returning NaN', run: () => fitToTarget(f.flow, (x) => tf.fill([x.shape[0]], NaN) as tf.Tensor1D, { steps: 1, samplesPerStep: 4 }), arg: 'logTarget' },
  { name: 'fitToTarget: logTarget of wrong shape', run: () => fitToTarget(f.flow, (x) => tf.zeros([x.shape[0], 2]) as never, { steps: 1, samplesPerStep: 4 }), arg: 'logTarget' },
  { name: 'fitToTarget: logTarget returning an array', run: () => fitToTarget(f.flow, (x) => new Array(x.shape[0]).fill(0) as never, { steps: 1, samplesPerStep: 4 }), arg: 'logTarget' },
  { name: 'fitToTarget: conditional flow', run: () => fitToTarget(f.cond, logNormal, { steps: 1 }), arg: 'flow' },
  { name: 'importanceSample: n = 0', run: () => importanceSample(f.flow, logNormal, 0), arg: 'n' },
  { name: 'importanceSample: non-integer n', run: () => importanceSample(f.flow, logNormal, 3.5), arg: 'n' },
  { name: 'importanceSample: logTarget missing', run: () => importanceSample(f.flow, undefined as never, 4), arg: 'logTarget' },
  { name: 'importanceSample: unknown option', run: () => importanceSample(f.flow, logNormal, 4, { batch: 2 } as never), arg: 'options' },
  { name: 'importanceSample: batchSize 0', run: () => importanceSample(f.flow, logNormal, 4, { batchSize: 0 }), arg: /batchSize/ },
  { name: 'importanceSample: logTarget returning +Infinity', run: () => importanceSample(f.flow, (x) => tf.fill([x.shape[0]], Infinity) as tf.Tensor1D, 4), arg: 'logTarget' },
  { name: 'importanceSample: conditional flow', run: () => importanceSample(f.cond, logNormal, 4), arg: 'flow' },
];
