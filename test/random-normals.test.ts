/** Rng.normals: Box–Muller on seedrandom's Alea stream, the same numbers as one normal() call per value. */
import { describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { Rng } from '../src/index.js';

/** Box–Muller written from its definition on Alea's doubles: pairs (r cos θ, r sin θ), r = √(−2 ln u₁), θ = 2π u₂. */
function boxMuller(seed: string, n: number): number[] {
  const alea = seedrandom.alea(seed);
  const out: number[] = [];
  while (out.length < n) {
    let u = 0;
    while (u === 0) u = alea.double();
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * alea.double();
    out.push(r * Math.cos(theta), r * Math.sin(theta));
  }
  return out.slice(0, n).map(Math.fround);
}

describe('Rng.normals', () => {
  it.each([0, 1, 2, 7, 8, 1001])('%i draws are Box–Muller on the seed’s Alea doubles', (n) => {
    expect(Array.from(new Rng('9').normals(n))).toEqual(boxMuller('9', n));
  });

  it.each([
    [0, 5],
    [1, 5],
    [1, 6],
    [3, 4],
  ])('after %i normal() calls, normals(%i) and the next draws match one normal() per value', (before, n) => {
    const a = new Rng(11);
    const b = new Rng(11);
    for (let k = 0; k < before; k++) expect(a.normal()).toBe(b.normal());
    const batch = Array.from(a.normals(n));
    const single = Array.from({ length: n }, () => Math.fround(b.normal()));
    expect(batch).toEqual(single);
    // The spare left behind (odd counts) is the one normal() would have kept.
    expect([a.normal(), a.normal(), a.uniform()]).toEqual([b.normal(), b.normal(), b.uniform()]);
  });
});
