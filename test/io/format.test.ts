import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  Affine, Chain, DiagNormal, FLOW_FORMAT, FLOW_FORMAT_VERSION, Flow, Shift, StandardNormal, VERSION, ValidationError, flowToJSON,
  parseFlowDocument, tf,
} from '../../src/index.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('flowToJSON', () => {
  it('writes format, version, library version, architecture = flow.serialize() and weights in flow.weights order', () => {
    const flow = new Flow(new DiagNormal(3), new Chain([new Shift([1, -2, 0.5]), new Affine(3)]));
    flow.standardize({ mean: [1, 2, 3], std: [4, 5, 6] });
    const doc = flowToJSON(flow);
    expect(Object.keys(doc)).toEqual(['format', 'formatVersion', 'libraryVersion', 'architecture', 'weights']);
    expect(doc.format).toBe(FLOW_FORMAT);
    expect(FLOW_FORMAT).toBe('tfjs-flows');
    expect(doc.formatVersion).toBe(FLOW_FORMAT_VERSION);
    expect(FLOW_FORMAT_VERSION).toBe(2); // 2: spline layers record `invert`
    expect(doc.libraryVersion).toBe(VERSION);
    expect(VERSION).toBe(pkg.version); // the constant cannot drift from package.json
    expect(doc.architecture).toEqual(flow.serialize());
    expect(doc.weights.map((w) => [w.name, w.shape, w.dtype])).toEqual(flow.weights.map((w) => [w.name, w.variable.shape, 'float32']));
    // float32 (1, −2, 0.5) little-endian is 0000803f 000000c0 0000003f.
    expect(doc.weights.find((w) => w.name === 'bijector/0/shift')!.data).toBe('AACAPwAAAMAAAAA/');
    // log 1 = 0 three times: twelve zero bytes.
    expect(doc.weights.find((w) => w.name === 'bijector/1/logScale')!.data).toBe('AAAAAAAAAAAAAAAA');
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
    flow.dispose();
  });

  it('stores a copy of the metadata, which must be plain JSON', () => {
    const flow = new Flow(new StandardNormal(2), new Shift([1, 2]));
    const metadata = { nll: { train: 1.5, test: 1.7 }, steps: 1000, note: 'moons', curve: [3, 2, 1.5], ok: true, none: null };
    const doc = flowToJSON(flow, metadata);
    metadata.steps = 5;
    expect(doc.metadata).toEqual({ nll: { train: 1.5, test: 1.7 }, steps: 1000, note: 'moons', curve: [3, 2, 1.5], ok: true, none: null });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const bad: [unknown, RegExp][] = [
      [{ loss: NaN }, /flowToJSON: argument 'metadata.loss' must be a finite number \(JSON has no NaN or Infinity\); got NaN/],
      [{ curve: [1, Infinity] }, /argument 'metadata.curve\[1\]' must be a finite number/],
      [{ f: () => 1 }, /argument 'metadata.f' must be a JSON value .*; got a function/],
      [{ when: new Date(0) }, /argument 'metadata.when' must be a JSON value .*; got an object \(Date\)/],
      [{ u: undefined }, /argument 'metadata.u' must be a JSON value/],
      [cyclic, /argument 'metadata.self' must be a JSON value without cycles; got a circular reference/],
      [[1, 2], /argument 'metadata' must be a plain JSON object; got an array of length 2/],
      ['x', /argument 'metadata' must be a plain JSON object; got "x"/],
    ];
    for (const [m, message] of bad) {
      expect(() => flowToJSON(flow, m as never)).toThrow(ValidationError);
      expect(() => flowToJSON(flow, m as never)).toThrow(message);
    }
    flow.dispose();
  });

  it('rejects something that is not a live flow', () => {
    expect(() => flowToJSON({} as never)).toThrow(/flowToJSON: argument 'flow' must be a Flow; got an object/);
    const flow = new Flow(new StandardNormal(2), new Shift([1, 2]));
    flow.dispose();
    expect(() => flowToJSON(flow)).toThrow(/must be a flow that has not been disposed; got disposed weight 'bijector\/shift'/);
  });

  it('leaks no tensors, and parseFlowDocument reads a document without creating any', () => {
    const flow = new Flow(new DiagNormal(2), new Affine(2));
    const before = tf.memory().numTensors;
    const text = JSON.stringify(flowToJSON(flow, { a: 1 }));
    const doc = parseFlowDocument(text, 'mem');
    expect(tf.memory().numTensors).toBe(before);
    expect(doc.metadata).toEqual({ a: 1 });
    expect(doc.architecture).toEqual(flow.serialize());
    flow.dispose();
  });
});

describe('docs/format.md', () => {
  it('its example document loads, and its weights decode to the values it shows', async () => {
    const { flowFromJSON, snapshotWeights } = await import('../../src/index.js');
    const md = readFileSync(new URL('../../docs/format.md', import.meta.url), 'utf8');
    const example = md.split('## Layout')[1].split('```json')[1].split('```')[0];
    const flow = flowFromJSON(example, 'docs/format.md');
    expect(flow.standardization).toEqual({ mean: [0.5, 0.25], std: [0.87, 0.5] });
    expect(Array.from(snapshotWeights(flow)['bijector/0/shift'])).toEqual([1, 2]);
    expect(flow.serialize()).toEqual(JSON.parse(example).architecture);
    flow.dispose();
  });
});

describe('format version 1 (before spline layers recorded `invert`)', () => {
  /** Drops every `invert` key, as a version-1 writer produced the architecture. */
  const withoutInvert = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(withoutInvert) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'invert').map(([k, x]) => [k, withoutInvert(x)])) : v;

  it('a version-1 spline flow loads as the sampling-path spline it was trained as; a version-2 one keeps its `invert`', async () => {
    const { flowFromJSON, neuralSplineFlow } = await import('../../src/index.js');
    const { perturbed } = await import('../helpers/bijector-cases.js');
    const x = tf.tensor2d([[0.3, -1.2], [2.5, 0.1], [-0.7, 0.9]]);
    for (const autoregressive of [false, true]) {
      const old = neuralSplineFlow({ dim: 2, layers: 2, hidden: [8], tailBound: 3, invert: false, autoregressive, seed: 4 });
      perturbed(old.bijector, `v1-${autoregressive}`);
      const doc = flowToJSON(old);
      const v1 = flowFromJSON({ ...doc, formatVersion: 1, architecture: withoutInvert(doc.architecture) as typeof doc.architecture });
      const v2 = flowFromJSON(doc);
      // The same weights with the spline on the density path: a different density (so the check can fail).
      const swapped = flowFromJSON(JSON.parse(JSON.stringify(doc).replaceAll('"invert":false', '"invert":true')));
      const [a, b, c, d] = [old, v1, v2, swapped].map((f) => Array.from(f.logProb(x).dataSync()));
      expect(b).toEqual(a);
      expect(c).toEqual(a);
      expect(Math.max(...d.map((v, i) => Math.abs(v - a[i])))).toBeGreaterThan(1e-3);
      [old, v1, v2, swapped].forEach((f) => f.dispose());
    }
    x.dispose();
  });
});
