/**
 * A loaded flow computes exactly what the saved one did: logProb, seeded sample and sampleAndLogProb
 * agree bit for bit, for every bijector of the case table (weights perturbed first), a standardised
 * flow and a conditional one.
 */
import { describe, expect, it } from 'vitest';
import {
  Affine, type Bijector, Chain, DiagNormal, Flow, Rng, Shift, StandardNormal, bijectorFromConfig, flowFromJSON, flowToJSON,
  registerBijector, restoreWeights, snapshotWeights, tf,
} from '../../src/index.js';
import { bijectorCases } from '../helpers/bijector-cases.js';
import { ContextShift } from '../helpers/context-shift.js';

/** Raw float32 bits, so the comparison is exact (NaN payloads, −0) rather than numerically close. */
function bits(t: tf.Tensor): number[] {
  const v = t.dataSync() as Float32Array;
  const out = Array.from(new Uint32Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength)));
  t.dispose();
  return out;
}

/** Add seeded noise to every trainable weight, so no layer is left at its (often identity) initial value. */
function perturb(flow: Flow, seed: string, sd = 0.1): void {
  const rng = new Rng(seed);
  const trainable = new Set(flow.weights.filter((w) => w.trainable).map((w) => w.name));
  const s = snapshotWeights(flow);
  for (const [name, v] of Object.entries(s)) if (trainable.has(name)) for (let i = 0; i < v.length; i++) v[i] += sd * rng.normal();
  restoreWeights(flow, s);
}

/** JSON text round trip, as a file or a network transfer would do it. */
const reload = (flow: Flow, metadata?: Record<string, number>) => flowFromJSON(JSON.stringify(flowToJSON(flow, metadata)), 'round-trip');

function randomMatrix(rng: Rng, rows: number, cols: number): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.normal()));
}

function expectSameWeights(a: Flow, b: Flow): void {
  const sa = snapshotWeights(a);
  const sb = snapshotWeights(b);
  expect(Object.keys(sb)).toEqual(Object.keys(sa));
  for (const k of Object.keys(sa)) expect(new Uint32Array(sb[k].buffer.slice(0))).toEqual(new Uint32Array(sa[k].buffer.slice(0)));
}

describe.each(bijectorCases)('$name in a flow', (c) => {
  it('reloads with bit-identical logProb, seeded sample and sampleAndLogProb', () => {
    const before = tf.memory().numTensors;
    const rng = new Rng(`io:${c.name}`);
    const domain = c.domain(rng, 48);
    // A base whose samples fall in the case's forward domain (some bijectors, e.g. Logit, need (0, 1)).
    const mean = Array.from({ length: c.dim }, (_, j) => domain.reduce((s, r) => s + r[j], 0) / domain.length);
    const sd = Array.from({ length: c.dim }, (_, j) => Math.sqrt(domain.reduce((s, r) => s + (r[j] - mean[j]) ** 2, 0) / domain.length) / 3);
    // Chain([Affine, case]): forward applies the case first, so the flow's forward domain is the case's.
    const flow = new Flow(new DiagNormal(c.dim, { loc: mean, scale: sd }), new Chain([new Affine(c.dim), c.make()]));
    perturb(flow, `perturb:${c.name}`);
    const context = c.contextDim ? randomMatrix(rng, 48, c.contextDim) : undefined;
    const ctx = context ? tf.tensor2d(context) : null;
    const z = tf.tensor2d(domain);
    const x = tf.tidy(() => flow.bijector.forward(z, ctx).output);

    const loaded = reload(flow);
    expect(loaded.serialize()).toEqual(flow.serialize());
    expectSameWeights(loaded, flow);

    const lp = bits(flow.logProb(x, context));
    expect(lp.every((b) => (b & 0x7f800000) !== 0x7f800000)).toBe(true); // finite, so the comparison means something
    expect(bits(loaded.logProb(x, context))).toEqual(lp);

    const sampleOptions = { seed: 'same', context: context?.slice(0, 1) };
    const s = bits(flow.sample(32, sampleOptions));
    expect(s.every((b) => (b & 0x7f800000) !== 0x7f800000)).toBe(true);
    expect(bits(loaded.sample(32, sampleOptions))).toEqual(s);

    const a = flow.sampleAndLogProb(16, sampleOptions);
    const b = loaded.sampleAndLogProb(16, sampleOptions);
    expect(bits(b.samples)).toEqual(bits(a.samples));
    expect(bits(b.logProb)).toEqual(bits(a.logProb));

    tf.dispose([z, x, ...(ctx ? [ctx] : [])]);
    flow.dispose();
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('round trip', () => {
  it('loads the saved weights, not fresh ones: a rebuilt-but-not-loaded flow differs', () => {
    const flow = new Flow(new DiagNormal(3), new Chain([new Affine(3), new Affine(3)]));
    perturb(flow, 'fresh');
    const fresh = new Flow(new DiagNormal(3), bijectorFromConfig(flow.bijector.serialize()));
    const loaded = reload(flow);
    const x = [[0.3, -1, 2], [1, 1, 1]];
    const lp = bits(flow.logProb(x));
    expect(bits(loaded.logProb(x))).toEqual(lp);
    expect(bits(fresh.logProb(x))).not.toEqual(lp);
    [flow, fresh, loaded].forEach((f) => f.dispose());
  });

  it('keeps non-trainable weights (state) even when they differ from the config', () => {
    const flow = new Flow(new StandardNormal(2), new Shift([1, 2]));
    restoreWeights(flow, { 'bijector/shift': new Float32Array([0.1, -7]) });
    const loaded = reload(flow);
    const x = [[0, 0], [1, 1]];
    expect(bits(loaded.logProb(x))).toEqual(bits(flow.logProb(x)));
    expect(Array.from(snapshotWeights(loaded)['bijector/shift'])).toEqual([Math.fround(0.1), -7]);
    flow.dispose();
    loaded.dispose();
  });

  it('a standardised flow reloads with its standardisation and identical results', () => {
    const before = tf.memory().numTensors;
    const flow = new Flow(new DiagNormal(3), new Chain([new Affine(3), new Affine(3)]));
    perturb(flow, 'std');
    const stats = { mean: [0.1, 1 / 3, -2e-7], std: [Math.PI, 1e-3, 12345.678] };
    flow.standardize(stats);
    const loaded = reload(flow);
    expect(loaded.standardization).toEqual(stats); // float64 numbers survive JSON exactly
    const x = [[0.2, 0.3, 0], [4, 0.334, -1000]];
    expect(bits(loaded.logProb(x))).toEqual(bits(flow.logProb(x)));
    expect(bits(loaded.sample(20, { seed: 9 }))).toEqual(bits(flow.sample(20, { seed: 9 })));
    flow.standardize(null);
    expect(bits(loaded.logProb(x))).not.toEqual(bits(flow.logProb(x))); // the standardisation mattered
    flow.dispose();
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a conditional flow (custom registered bijector) reloads with identical results for each context', () => {
    registerBijector('ContextShift', (cfg) => new ContextShift(cfg.dim as number, cfg.contextDim as number));
    const before = tf.memory().numTensors;
    const rng = new Rng('conditional');
    const flow = new Flow(new DiagNormal(2), new Chain([new Affine(2), new ContextShift(2, 3) as Bijector]));
    perturb(flow, 'cond');
    // ContextShift's matrix is non-trainable state: change it too.
    restoreWeights(flow, { ...snapshotWeights(flow), 'bijector/1/w': Float32Array.from({ length: 6 }, () => rng.normal()) });
    const loaded = reload(flow);
    expect(loaded.contextDim).toBe(3);
    const x = randomMatrix(rng, 10, 2);
    const context = randomMatrix(rng, 10, 3);
    expect(bits(loaded.logProb(x, context))).toEqual(bits(flow.logProb(x, context)));
    for (const ctx of [[[1, 0, -1]], [[0.5, 2, 3]]]) {
      expect(bits(loaded.sample(16, { seed: 4, context: ctx }))).toEqual(bits(flow.sample(16, { seed: 4, context: ctx })));
    }
    flow.dispose();
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
