import { describe, expect, it } from 'vitest';
import {
  AffineCoupling, Chain, Flow, defaultConditionerWidth, Reverse, Rng, StandardNormal, ValidationError, bijectorFromConfig, halfMask, maskedAutoregressiveFlow, neuralSplineFlow, realNVP,
  flowFromJSON, flowToJSON, setTraining, tf,
} from '../../src/index.js';
import { perturbed } from '../helpers/bijector-cases.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { gaussianLogPdf } from '../helpers/math.js';

type Builder = (o: { dim: number; contextDim?: number; seed?: number; layers?: number; normalization?: 'none' | 'actnorm' | 'batchnorm' }) => Flow;
const builders: [string, Builder][] = [
  ['realNVP', (o) => realNVP({ hidden: [16, 16], ...o })],
  ['maskedAutoregressiveFlow', (o) => maskedAutoregressiveFlow({ hidden: [16, 16], ...o })],
  ['neuralSplineFlow', (o) => neuralSplineFlow({ hidden: [16, 16], bins: 6, tailBound: 4, ...o })],
  ['neuralSplineFlow (autoregressive)', (o) => neuralSplineFlow({ hidden: [16, 16], bins: 6, tailBound: 4, autoregressive: true, ...o })],
];
const direct: Record<string, (o: never) => Flow> = {
  realNVP,
  maskedAutoregressiveFlow,
  neuralSplineFlow,
  'neuralSplineFlow (autoregressive)': neuralSplineFlow,
};

const matrix = (rng: Rng, n: number, d: number) => Array.from({ length: n }, () => Array.from({ length: d }, () => 1.5 * rng.normal()));

/** Perturb every trainable weight of the flow's bijector (seeded). */
function perturbFlow(flow: Flow, seed: string, sd = 0.3): Flow {
  perturbed(flow.bijector, seed, sd);
  return flow;
}

/** Whether some latent column equals some data column: a coordinate that no layer transformed. */
function untransformedCoordinate(flow: Flow, x: number[][], context?: number[][]): boolean {
  const xt = tf.tensor2d(x);
  const ct = context ? tf.tensor2d(context) : null;
  const z = tf.tidy(() => flow.bijector.inverse(xt, ct).output);
  const zv = z.arraySync();
  tf.dispose([xt, z, ...(ct ? [ct] : [])]);
  const d = x[0].length;
  for (let k = 0; k < d; k++) for (let j = 0; j < d; j++) if (x.every((row, b) => Math.abs(row[j] - zv[b][k]) < 1e-6)) return true;
  return false;
}

describe.each(builders)('%s', (name, build) => {
  it.each([
    [2, 0],
    [5, 0],
    [3, 2],
  ])('a fresh %i-D flow (context %i) has the standard normal log-density', (dim, contextDim) => {
    const flow = build({ dim, contextDim, seed: 1 });
    const rng = new Rng(`fresh${name}${dim}`);
    const x = matrix(rng, 10, dim);
    const ctx = contextDim ? matrix(rng, 10, contextDim) : undefined;
    const lp = flow.logProb(x, ctx);
    lp.dataSync().forEach((v, i) => expect(Math.abs(v - gaussianLogPdf(x[i], new Array(dim).fill(0), new Array(dim).fill(1)))).toBeLessThan(1e-4));
    lp.dispose();
    flow.dispose();
  });

  it.each([2, 3, 5])('transforms every dimension in %i-D with 2 layers', (dim) => {
    const flow = perturbFlow(build({ dim, layers: 2, seed: 2 }), `cover${name}${dim}`);
    expect(untransformedCoordinate(flow, matrix(new Rng('cover'), 12, dim))).toBe(false);
    flow.dispose();
  });

  it('a conditional flow needs a context, and its logProb changes with it', () => {
    const flow = perturbFlow(build({ dim: 3, contextDim: 2, seed: 3 }), `ctx${name}`);
    const x = matrix(new Rng('cx'), 6, 3);
    expect(() => flow.logProb(x)).toThrow(ValidationError);
    const a = flow.logProb(x, Array.from({ length: 6 }, () => [0, 0]));
    const b = flow.logProb(x, Array.from({ length: 6 }, () => [1, -1]));
    const diff = Math.max(...a.dataSync().map((v, i) => Math.abs(v - b.dataSync()[i])));
    expect(diff).toBeGreaterThan(1e-2);
    tf.dispose([a, b]);
    flow.dispose();
  });

  it.each(['none', 'actnorm', 'batchnorm'] as const)('gives every trainable variable a finite, non-zero gradient (normalization %s)', (normalization) => {
    const flow = perturbFlow(build({ dim: 4, contextDim: 1, layers: 3, normalization, seed: 4 }), `grad${name}${normalization}`);
    setTraining(flow, true);
    const rng = new Rng('gx');
    const x = tf.tensor2d(matrix(rng, 32, 4));
    const c = tf.tensor2d(matrix(rng, 32, 1));
    const vars = flow.trainableVariables;
    const { value, grads } = tf.variableGrads(() => tf.tidy(() => tf.neg(tf.mean(flow.logProbUnchecked(x, c))) as tf.Scalar), vars);
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    for (const v of vars) {
      const g = grads[v.name]?.dataSync();
      expect(g, v.name).toBeDefined();
      expect(g!.every((e) => Number.isFinite(e))).toBe(true);
      expect(Math.max(...g!.map(Math.abs)), v.name).toBeGreaterThan(0);
    }
    tf.dispose([value, ...Object.values(grads), x, c]);
    flow.dispose();
  });

  it('keeps log-probabilities and gradients finite with large weights', () => {
    // sd 3 on every weight (trained nets are ~0.1–0.5) already drives latents to ~1e12: shifts are
    // unbounded by design, and at sd ≈ 10 z² overflows float32 in 6 layers. One layer at sd 50 is
    // tested in coupling.test.ts; the soft clamp bounds every log-scale.
    const flow = perturbFlow(build({ dim: 3, seed: 5 }), `large${name}`, 3);
    const x = tf.tensor2d(matrix(new Rng('lx'), 16, 3));
    const { value, grads } = tf.variableGrads(() => tf.tidy(() => tf.neg(tf.mean(flow.logProbUnchecked(x))) as tf.Scalar), flow.trainableVariables);
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    for (const g of Object.values(grads)) expect(g.dataSync().every((e) => Number.isFinite(e))).toBe(true);
    tf.dispose([value, ...Object.values(grads), x]);
    flow.dispose();
  });

  it('is reproducible from its seed and rebuilds from config + weights', () => {
    const a = build({ dim: 3, contextDim: 1, seed: 6 });
    const b = build({ dim: 3, contextDim: 1, seed: 6 });
    const c = build({ dim: 3, contextDim: 1, seed: 7 });
    const values = (f: Flow) => f.weights.flatMap((w) => Array.from(w.variable.dataSync()));
    expect(values(b)).toEqual(values(a));
    expect(values(c)).not.toEqual(values(a));
    perturbFlow(a, 'rebuild');
    const copy = new Flow(new StandardNormal(3), bijectorFromConfig(a.bijector.serialize()));
    copy.bijector.setWeights(Object.fromEntries(a.bijector.weights.map((w) => [w.name, w.variable])));
    const x = matrix(new Rng('rx'), 4, 3);
    const ctx = [[0.1], [0.2], [-1], [2]];
    const l1 = a.logProb(x, ctx);
    const l2 = copy.logProb(x, ctx);
    expect(Array.from(l2.dataSync())).toEqual(Array.from(l1.dataSync()));
    tf.dispose([l1, l2]);
    [a, b, c, copy].forEach((f) => f.dispose());
  });

  it('sampleAndLogProb agrees with logProb of the samples (forward and inverse are consistent)', () => {
    // Spline slopes under sd-0.3 weight noise reach 1e-3…1e3 per layer, where float32 cannot round-trip
    // three stacked layers; sd 0.1 keeps them moderate (the spline itself is tested to 1e-6 elsewhere).
    const flow = perturbFlow(build({ dim: 3, contextDim: 2, seed: 8 }), `sample${name}`, name.startsWith('neuralSpline') ? 0.1 : 0.3);
    const { samples, logProb } = flow.sampleAndLogProb(50, { seed: 1, context: [[0.5, -0.5]] });
    const again = flow.logProb(samples, Array.from({ length: 50 }, () => [0.5, -0.5]));
    // Samples reach |x| ~ 1e3 after perturbation, where float32 spacing is ~1e-4: compare relatively.
    logProb.dataSync().forEach((v, i) => expect(Math.abs(v - again.dataSync()[i])).toBeLessThan(2e-4 * (1 + Math.abs(v))));
    tf.dispose([samples, logProb, again]);
    flow.dispose();
  });

  it('leaks no tensors in logProb, sampling and gradients', () => {
    const flow = perturbFlow(build({ dim: 3, contextDim: 1, normalization: 'actnorm', seed: 9 }), `leak${name}`);
    const x = tf.tensor2d(matrix(new Rng('leak'), 8, 3));
    const c = tf.tensor2d(matrix(new Rng('leakc'), 8, 1));
    expectNoLeak(() => flow.logProb(x, c));
    expectNoLeak(() => flow.sample(8, { seed: 1, context: [[0.5]] }));
    expectNoLeak(() => {
      const { value, grads } = tf.variableGrads(() => tf.tidy(() => tf.neg(tf.mean(flow.logProbUnchecked(x, c))) as tf.Scalar), flow.trainableVariables);
      return [value, ...Object.values(grads)];
    });
    tf.dispose([x, c]);
    flow.dispose();
  });

  it('validates its options', () => {
    expect(() => build({ dim: 0 })).toThrow(ValidationError);
    expect(() => build({ dim: 2, layers: 0 })).toThrow(/options.layers/);
    expect(() => build({ dim: 2, normalization: 'layernorm' as never })).toThrow(/"none", "actnorm", "batchnorm"/);
    expect(() => build({ dim: 2, lyers: 3 } as never)).toThrow(/unknown option "lyers"/);
    expect(() => build({ dim: 2, hidden: [0] } as never)).toThrow(ValidationError);
    expect(() => direct[name](undefined as never)).toThrow(/an object with at least \{ dim \}/);
  });
});

describe('the coverage check used above can fail', () => {
  it('flags 2-D alternating masks plus a reversal, which transform the same coordinate twice', () => {
    const bad = new Flow(
      new StandardNormal(2),
      new Chain([new AffineCoupling({ mask: halfMask(2, true), hidden: [8], seed: 1 }), new Reverse(), new AffineCoupling({ mask: halfMask(2), hidden: [8], seed: 2 })]),
    );
    perturbed(bad.bijector, 'bad');
    expect(untransformedCoordinate(bad, matrix(new Rng('bad'), 8, 2))).toBe(true);
    bad.dispose();
  });

  it('realNVP rejects one dimension (a coupling needs two)', () => {
    expect(() => realNVP({ dim: 1 })).toThrow(/options.dim/);
  });
});

describe('coupling flows in 2D', () => {
  it.each([
    ['realNVP', () => realNVP({ dim: 2, layers: 6, hidden: [8], seed: 3 })],
    ['neuralSplineFlow', () => neuralSplineFlow({ dim: 2, layers: 6, hidden: [8], seed: 3 })],
  ] as const)('%s: consecutive couplings transform alternating coordinates (no swap makes two do one layer\'s work)', (_, build) => {
    const flow = build();
    const couplings = (flow.bijector as Chain).bijectors as unknown as { mask?: readonly boolean[]; className: string }[];
    expect(couplings.every((b) => b.mask !== undefined)).toBe(true); // couplings only: no Permute in between
    // Each layer transforms the coordinate(s) its mask leaves out; neighbours must differ.
    const moved = couplings.map((b) => b.mask!.findIndex((m) => !m));
    moved.slice(1).forEach((m, i) => expect(m).not.toBe(moved[i]));
    flow.dispose();
  });
});

describe('defaults that follow the dimension (docs/defaults.md)', () => {
  const hiddenOf = (flow: Flow) => {
    const made = flow.bijector.modules().find((m) => m.className === 'MADE' || m.className === 'MLP') as unknown as { hidden: number[] };
    return made.hidden;
  };

  it('the conditioner width is 64 up to 16 dimensions, then 4·dim rounded up to a power of 2, at most 256', () => {
    const cases: [number, number][] = [[1, 64], [2, 64], [16, 64], [17, 128], [32, 128], [33, 256], [43, 256], [200, 256]];
    for (const [dim, width] of cases) expect(defaultConditionerWidth(dim), `dim ${dim}`).toBe(width);
    const wide = realNVP({ dim: 20, layers: 2, seed: 0 });
    const narrow = maskedAutoregressiveFlow({ dim: 4, layers: 1, seed: 0 });
    expect(hiddenOf(wide)).toEqual([128, 128]);
    expect(hiddenOf(narrow)).toEqual([64, 64]);
    expect(hiddenOf(realNVP({ dim: 20, layers: 2, hidden: [8], seed: 0 }))).toEqual([8]); // an explicit width wins
    [wide, narrow].forEach((f) => f.dispose());
  });

  it("RealNVP's conditioners default to ELU from 3 dimensions on (ReLU in 2D), MAF's from 17 on; spline flows and explicit choices keep theirs", () => {
    const activations = (flow: Flow) => [...new Set(flow.bijector.modules().filter((m) => m.className === 'MLP' || m.className === 'MADE').map((m) => (m as unknown as { activation: string }).activation))];
    const flows = [
      [realNVP({ dim: 2, layers: 2, hidden: [8], seed: 0 }), ['relu']],
      [realNVP({ dim: 3, layers: 2, hidden: [8], seed: 0 }), ['elu']],
      [realNVP({ dim: 32, layers: 2, hidden: [8], seed: 0 }), ['elu']],
      [realNVP({ dim: 5, layers: 2, hidden: [8], activation: 'relu', seed: 0 }), ['relu']],
      [realNVP({ dim: 5, layers: 2, conditioner: { hidden: [8], activation: 'tanh' }, seed: 0 }), ['tanh']],
      [neuralSplineFlow({ dim: 5, layers: 2, hidden: [8], seed: 0 }), ['relu']],
      [maskedAutoregressiveFlow({ dim: 5, layers: 2, hidden: [8], seed: 0 }), ['relu']],
      [maskedAutoregressiveFlow({ dim: 16, layers: 2, hidden: [8], seed: 0 }), ['relu']],
      [maskedAutoregressiveFlow({ dim: 17, layers: 2, hidden: [8], seed: 0 }), ['elu']],
      [maskedAutoregressiveFlow({ dim: 17, layers: 2, hidden: [8], activation: 'relu', seed: 0 }), ['relu']],
      [neuralSplineFlow({ dim: 20, layers: 2, hidden: [8], autoregressive: true, seed: 0 }), ['relu']],
    ] as const;
    for (const [flow, expected] of flows) expect(activations(flow), `${flow.dim}-D`).toEqual(expected);
    // The activation is saved with the layer: a flow rebuilt from its config keeps it.
    const rebuilt = flowFromJSON(JSON.stringify(flowToJSON(flows[1][0])));
    expect(activations(rebuilt)).toEqual(['elu']);
    [...flows.map(([f]) => f), rebuilt].forEach((f) => f.dispose());
  });

  it('a fresh MAF with batch norm in 5-D is exactly the standard normal in evaluation mode (batch norm starts as the identity)', () => {
    const flow = maskedAutoregressiveFlow({ dim: 5, hidden: [16, 16], normalization: 'batchnorm', seed: 2 });
    const x = matrix(new Rng('bn-identity'), 8, 5);
    const lp = flow.logProb(x);
    lp.dataSync().forEach((v, i) => expect(Math.abs(v - gaussianLogPdf(x[i], [0, 0, 0, 0, 0], [1, 1, 1, 1, 1]))).toBeLessThan(2e-5));
    lp.dispose();
    flow.dispose();
  });
});
