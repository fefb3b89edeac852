import { describe, expect, it } from 'vitest';
import { Affine, Chain, DiagNormal, Flow, Shift, ValidationError, restoreWeights, snapshotWeights, tf } from '../../src/index.js';
import { expectNoLeak } from '../helpers/leaks.js';

const makeFlow = () => new Flow(new DiagNormal(2, { loc: [0.5, -1], scale: [2, 0.25] }), new Chain([new Affine(2, { shift: [1, 2] }), new Shift([3, 4])]));
const xs = [[0.1, 0.2], [1, -3]];

function read(t: tf.Tensor): number[] {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
}

describe('snapshotWeights / restoreWeights', () => {
  it('snapshot holds every weight by name with its current values', () => {
    const f = makeFlow();
    const s = snapshotWeights(f);
    expect(Object.keys(s)).toEqual(['base/loc', 'base/logScale', 'bijector/0/shift', 'bijector/0/logScale', 'bijector/1/shift']);
    expect(Array.from(s['base/loc'])).toEqual([0.5, -1]);
    expect(Array.from(s['base/logScale'])).toEqual([Math.fround(Math.log(2)), Math.fround(Math.log(0.25))]);
    expect(Array.from(s['bijector/1/shift'])).toEqual([3, 4]);
    expect(s['base/loc']).toBeInstanceOf(Float32Array);
    f.dispose();
  });

  it('restore brings back the exact values after the weights changed, and the snapshot is a copy', () => {
    const f = makeFlow();
    const before = read(f.logProb(xs));
    const s = snapshotWeights(f);
    for (const w of f.weights) w.variable.assign(tf.tidy(() => tf.add(w.variable, 0.7)));
    const changed = read(f.logProb(xs));
    expect(changed).not.toEqual(before);
    expect(Array.from(s['base/loc'])).toEqual([0.5, -1]); // not aliased to the variables' storage
    restoreWeights(f, s);
    expect(read(f.logProb(xs))).toEqual(before);
    f.dispose();
  });

  it('works on a bijector or distribution alone', () => {
    const a = new Affine(2, { shift: [1, 2] });
    const s = snapshotWeights(a);
    expect(Object.keys(s)).toEqual(['shift', 'logScale']);
    restoreWeights(a, { shift: new Float32Array([5, 6]), logScale: new Float32Array([0, 0]) });
    expect(read(a.weights[0].variable.clone())).toEqual([5, 6]);
    restoreWeights(a, s);
    expect(read(a.weights[0].variable.clone())).toEqual([1, 2]);
    a.dispose();
  });

  it('rejects a snapshot that does not fit, changing nothing', () => {
    const f = makeFlow();
    const s = snapshotWeights(f);
    const before = read(f.logProb(xs));
    const { ['bijector/1/shift']: _, ...missing } = s;
    expect(() => restoreWeights(f, missing)).toThrow(/restoreWeights: argument 'snapshot' must be an entry for weight 'bijector\/1\/shift'; got none/);
    const bad = { ...s, 'base/loc': new Float32Array(3) };
    expect(() => restoreWeights(f, bad)).toThrow(/argument 'snapshot\['base\/loc'\]' must be 2 values \(shape \[2\]\); got 3/);
    expect(() => restoreWeights(f, { ...s, 'base/extra': new Float32Array(1) })).toThrow(/only names of the target's weights; got unknown weight 'base\/extra'/);
    expect(() => restoreWeights(f, { ...s, 'base/loc': 'x' as never })).toThrow(/must be a typed array; got "x"/);
    expect(() => restoreWeights(f, null as never)).toThrow(ValidationError);
    expect(() => snapshotWeights({} as never)).toThrow(/snapshotWeights: argument 'target' must be a Flow, Bijector or Distribution/);
    expect(read(f.logProb(xs))).toEqual(before);
    f.dispose();
  });

  it('leaks no tensors', () => {
    const f = makeFlow();
    const s = snapshotWeights(f);
    expectNoLeak(() => {
      snapshotWeights(f);
    });
    expectNoLeak(() => restoreWeights(f, s));
    expectNoLeak(() => {
      expect(() => restoreWeights(f, { ...s, 'base/loc': new Float32Array(3) })).toThrow();
    });
    f.dispose();
  });
});
