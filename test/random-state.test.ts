/** Rng.getState/setState: a generator restored from a state continues exactly where the original was. */
import { describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { Rng } from '../src/index.js';

describe('Rng state', () => {
  it('a fresh generator set to a saved state draws the same numbers as the original (uniforms, normals with a spare, permutations)', () => {
    const a = new Rng(42);
    a.uniforms(7);
    a.normal(); // leaves a spare normal behind, which the state must carry
    const state = JSON.parse(JSON.stringify(a.getState())); // survives JSON, as in a checkpoint
    expect(state.spare).not.toBeNull();
    const b = new Rng('something else');
    b.setState(state);
    const draw = (r: Rng) => [r.normal(), r.normal(), ...r.uniforms(5), ...r.permutation(10), r.gamma(0.7)];
    expect(draw(b)).toEqual(draw(a));
  });

  it('asking for the state does not change the stream', () => {
    const a = new Rng(3);
    const b = new Rng(3);
    b.getState();
    expect(a.uniforms(20)).toEqual(b.uniforms(20));
    // and it is still seedrandom's Alea stream of the seed (what the library drew before states existed)
    const plain = seedrandom.alea('3');
    const c = new Rng(3);
    expect(Array.from({ length: 5 }, () => c.uniform())).toEqual(Array.from({ length: 5 }, () => plain.double()));
  });
});
