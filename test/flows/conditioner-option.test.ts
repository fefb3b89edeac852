/**
 * The `conditioner` builder option: every builder × conditioner starts as the identity (in training
 * and evaluation mode), the `hidden`/`activation` shorthand builds exactly what it always did, bad
 * combinations are refused, configs round-trip through the flow file format, the tape-free step
 * stands aside for the new conditioners, and a short fit on the tape path lowers the loss
 * (deterministically, dropout included).
 */
import { describe, expect, it } from 'vitest';
import {
  type ConditionerOptions, type Flow, Rng, ValidationError, datasets, fit, flowFromJSON, flowToJSON, maskedAutoregressiveFlow, neuralSplineFlow, realNVP,
  setTraining, snapshotWeights, restoreWeights, tf,
} from '../../src/index.js';
import { tapeFreeStep } from '../../src/engine/tape-free-step.js';
import { gaussianLogPdf } from '../helpers/math.js';

type Build = (o: { dim: number; conditioner?: ConditionerOptions; seed?: number; layers?: number }) => Flow;
const builders: [string, Build, boolean][] = [
  ['realNVP', (o) => realNVP({ layers: 4, ...o }), false],
  ['neuralSplineFlow', (o) => neuralSplineFlow({ layers: 2, bins: 5, tailBound: 4, ...o }), false],
  ['neuralSplineFlow (autoregressive)', (o) => neuralSplineFlow({ layers: 2, bins: 5, tailBound: 4, autoregressive: true, ...o }), true],
  ['maskedAutoregressiveFlow', (o) => maskedAutoregressiveFlow({ layers: 2, ...o }), true],
];
const conditioners: [string, ConditionerOptions, boolean][] = [
  ['resnet + batch norm + dropout', { type: 'resnet', hidden: [16, 16], norm: 'batch', dropout: 0.2 }, true],
  ['kernel', { type: 'kernel', points: 8 }, true],
  ['mlp + layer norm', { hidden: [16], norm: 'layer' }, false],
  ['mlp + weight norm + dropout', { hidden: [16], norm: 'weight', dropout: 0.1 }, true],
];

const matrix = (rng: Rng, n: number, d: number) => Array.from({ length: n }, () => Array.from({ length: d }, () => 1.5 * rng.normal()));

function logProb(flow: Flow, x: number[][]): number[] {
  const t = flow.logProb(x);
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
}

/** Add seeded noise to every trainable weight. */
function perturb(flow: Flow, seed: string, sd = 0.2): void {
  const rng = new Rng(seed);
  const trainable = new Set(flow.weights.filter((w) => w.trainable).map((w) => w.name));
  const s = snapshotWeights(flow);
  for (const [name, v] of Object.entries(s)) if (trainable.has(name)) for (let i = 0; i < v.length; i++) v[i] += sd * rng.normal();
  restoreWeights(flow, s);
}

describe.each(builders)('%s', (_name, build, autoregressive) => {
  it.each(conditioners.filter(([, , ar]) => ar || !autoregressive))('with %s starts as the identity in both modes', (_c, conditioner) => {
    const dim = 3;
    const flow = build({ dim, conditioner, seed: 1 });
    const x = matrix(new Rng(2), 16, dim);
    const expected = x.map((r) => gaussianLogPdf(r, [0, 0, 0], [1, 1, 1]));
    setTraining(flow, true);
    logProb(flow, x).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 4));
    setTraining(flow, false);
    logProb(flow, x).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 4));
    flow.dispose();
  });

  it('the hidden/activation shorthand is conditioner: { type: "mlp", hidden, activation }, saved as before', () => {
    const a = build({ dim: 3, seed: 4, hidden: [8], activation: 'tanh' } as never);
    const b = build({ dim: 3, seed: 4, conditioner: { hidden: [8], activation: 'tanh' } });
    const sa = snapshotWeights(a);
    const sb = snapshotWeights(b);
    expect(Object.keys(sb)).toEqual(Object.keys(sa));
    for (const k of Object.keys(sa)) expect(sb[k]).toEqual(sa[k]);
    const doc = JSON.stringify(flowToJSON(b));
    expect(doc).not.toContain('"conditioner"');
    expect(doc).toContain('"hidden":[8]');
    a.dispose();
    b.dispose();
  });

  it('refuses bad conditioner options with ValidationError', () => {
    const bad: unknown[] = [
      { type: 'gp' },
      { type: 'kernel', hidden: [8] },
      { type: 'mlp', points: 4 },
      { type: 'resnet', hidden: [8, 16] },
      { dropout: 1 },
      { norm: 'group' },
      { hidden: [8], widths: [8] },
      'mlp',
    ];
    for (const conditioner of bad) expect(() => build({ dim: 3, conditioner: conditioner as ConditionerOptions })).toThrow(ValidationError);
    expect(() => build({ dim: 3, hidden: [8], conditioner: { hidden: [8] } } as never)).toThrow(ValidationError);
    if (autoregressive) expect(() => build({ dim: 3, conditioner: { norm: 'layer' } })).toThrow(/layer normalisation mixes/);
  });
});

describe('conditioner configs', () => {
  it('round-trip through the flow file format (weights, running statistics and kernel points included)', () => {
    const flows = [
      realNVP({ dim: 3, layers: 2, conditioner: { type: 'resnet', hidden: [8, 8], norm: 'batch', dropout: 0.3 }, seed: 1 }),
      neuralSplineFlow({ dim: 3, layers: 2, bins: 4, autoregressive: true, conditioner: { type: 'kernel', points: 6 }, seed: 2 }),
      maskedAutoregressiveFlow({ dim: 3, layers: 2, conditioner: { hidden: [8], norm: 'weight', dropout: 0.1 }, seed: 3 }),
    ];
    const x = matrix(new Rng(5), 20, 3);
    for (const [i, flow] of flows.entries()) {
      // Training mode once: batch statistics move the running ones, the kernel points come from x.
      setTraining(flow, true);
      tf.dispose(flow.logProb(x));
      setTraining(flow, false);
      perturb(flow, `p${i}`);
      const doc = JSON.stringify(flowToJSON(flow));
      expect(doc).toContain('"conditioner"');
      const copy = flowFromJSON(doc, 'test');
      expect(logProb(copy, x)).toEqual(logProb(flow, x));
      flow.dispose();
      copy.dispose();
    }
  });
});

describe('training', () => {
  it('the tape-free step takes plain MLP couplings and stands aside for the other conditioners', () => {
    const plain = realNVP({ dim: 2, layers: 2, hidden: [8], seed: 1 });
    expect(tapeFreeStep(plain)).not.toBeNull();
    plain.dispose();
    for (const [, conditioner] of conditioners) {
      const flow = realNVP({ dim: 2, layers: 2, conditioner, seed: 1 });
      expect(tapeFreeStep(flow)).toBeNull();
      flow.dispose();
    }
  });

  it('fit trains with dropout on (training mode) and leaves the flow in evaluation mode', async () => {
    const data = datasets.moons(200, { seed: 3 });
    const losses = async (dropout: number) => {
      const flow = realNVP({ dim: 2, layers: 2, conditioner: { hidden: [16], dropout }, seed: 1 });
      const h = await fit(flow, data, { steps: 6, batchSize: 50, learningRate: 1e-2, seed: 2, gradientPath: 'tape' });
      const x = matrix(new Rng(6), 4, 2);
      // Evaluation mode after fit: two evaluations agree.
      expect(logProb(flow, x)).toEqual(logProb(flow, x));
      flow.dispose();
      return h.loss;
    };
    const [off, on] = [await losses(0), await losses(0.5)];
    // Same initial weights (dropout seeds are drawn after them) and an identity start: step 1 agrees;
    // after one update the dropout masks change the losses.
    expect(on[0]).toBe(off[0]);
    expect(on.slice(1)).not.toEqual(off.slice(1));
    tf.dispose(data);
  });

  it.each([
    ['realNVP, resnet + batch norm + dropout', () => realNVP({ dim: 2, layers: 2, conditioner: { type: 'resnet', hidden: [16], norm: 'batch', dropout: 0.1 }, seed: 1 })],
    ['realNVP, kernel', () => realNVP({ dim: 2, layers: 4, conditioner: { type: 'kernel', points: 16 }, seed: 1 })],
    ['MAF, masked kernel', () => maskedAutoregressiveFlow({ dim: 2, layers: 2, conditioner: { type: 'kernel', points: 16 }, seed: 1 })],
    ['NSF-AR, masked resnet + weight norm + dropout', () => neuralSplineFlow({ dim: 2, layers: 2, autoregressive: true, conditioner: { type: 'resnet', hidden: [16], norm: 'weight', dropout: 0.1 }, seed: 1 })],
  ])('%s: a short fit on the tape path lowers the loss, and the same seeds repeat it exactly', async (_name, make) => {
    const data = datasets.moons(500, { seed: 3 });
    const run = async () => {
      const flow = make();
      const h = await fit(flow, data, { steps: 80, batchSize: 100, learningRate: 5e-3, seed: 4 });
      const x = matrix(new Rng(6), 8, 2);
      const lp = logProb(flow, x);
      flow.dispose();
      return { loss: h.loss, lp };
    };
    const a = await run();
    const mean = (v: number[]) => v.reduce((s, u) => s + u, 0) / v.length;
    expect(mean(a.loss.slice(-10))).toBeLessThan(mean(a.loss.slice(0, 10)) - 0.1);
    const b = await run();
    expect(b.loss).toEqual(a.loss);
    expect(b.lp).toEqual(a.lp);
    tf.dispose(data);
  });
});
