/**
 * Seeded randomness. Everything random in the library (data, initial weights, batch order, samples)
 * draws from an `Rng`; nothing calls `Math.random`. Numbers are generated in JavaScript and copied
 * into tensors, so the same seed gives the same values on every backend.
 */
import seedrandom from 'seedrandom';
import { ValidationError, describe } from './errors.js';
import { checkInt } from './validate.js';

/** A seed: a number or string, or an existing `Rng` to draw from. */
export type Seed = number | string | Rng;

/** A generator's complete state (plain JSON numbers): Alea's four words and the spare normal draw. */
export interface RngState {
  alea: { c: number; s0: number; s1: number; s2: number };
  spare: number | null;
}

type AleaFactory = (seed: string | undefined, options: { entropy?: boolean; state?: boolean | object }) => seedrandom.PRNG & { state(): RngState['alea'] };
const alea = seedrandom.alea as unknown as AleaFactory;

/** A seeded pseudo-random generator (seedrandom's Alea) with the distributions the library needs. */
export class Rng {
  private prng: ReturnType<AleaFactory>;
  private spare: number | null = null;

  /** @param seed number or string; omitted → seeded from the platform's entropy (not reproducible). */
  constructor(seed?: number | string) {
    // Anything else would be stringified ("[object Object]") into a silently constant seed.
    if (seed !== undefined && typeof seed !== 'string' && !(typeof seed === 'number' && Number.isFinite(seed))) {
      throw new ValidationError('Rng', 'seed', 'a finite number or a string', describe(seed));
    }
    // `state: true` only adds the `state()` accessor; the stream of numbers is the same.
    this.prng = seed === undefined ? alea(undefined, { entropy: true, state: true }) : alea(String(seed), { state: true });
  }

  /**
   * A copy of the generator's state: {@link Rng.setState} with it makes the generator continue with
   * exactly the numbers it would have drawn from here (for training checkpoints).
   */
  getState(): RngState {
    return { alea: { ...this.prng.state() }, spare: this.spare };
  }

  /** Continue from a state returned by {@link Rng.getState} (of this or any generator). */
  setState(state: RngState): void {
    const a = (state as Partial<RngState> | null)?.alea;
    const words = a && typeof a === 'object' ? [a.c, a.s0, a.s1, a.s2] : [];
    const spare = (state as Partial<RngState> | null)?.spare;
    if (words.length !== 4 || !words.every(Number.isFinite) || !(spare === null || Number.isFinite(spare))) {
      throw new ValidationError('Rng.setState', 'state', 'a state from Rng.getState() ({ alea: { c, s0, s1, s2 }, spare })', describe(state));
    }
    this.prng = alea('', { state: { ...state.alea } });
    this.spare = state.spare;
  }

  /** Uniform on [0, 1), with 53 random bits. */
  uniform(): number {
    return this.prng.double();
  }

  /** A standard normal draw (Box–Muller in float64; the second value is kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    return this.boxMuller();
  }

  /** One Box–Muller pair from two uniforms: returns `r cos θ` and leaves `r sin θ` in `spare`. */
  private boxMuller(): number {
    let u = 0;
    while (u === 0) u = this.prng.double();
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * this.prng.double();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** `n` standard normal draws. */
  normals(n: number): Float32Array {
    checkInt('Rng.normals', 'n', n, 0);
    const out = new Float32Array(n);
    let i = 0;
    if (n > 0 && this.spare !== null) out[i++] = this.normal();
    // The same stream as n calls of normal(), both values of each pair written at once (a fifth faster:
    // sample()'s latent draws run before its chunks are split between threads, so they are serial time).
    for (; i + 1 < n; i += 2) {
      out[i] = this.boxMuller();
      out[i + 1] = this.spare!;
    }
    this.spare = null;
    if (i < n) out[i] = this.normal();
    return out;
  }

  /** `n` uniform draws on [lo, hi). */
  uniforms(n: number, lo = 0, hi = 1): Float32Array {
    checkInt('Rng.uniforms', 'n', n, 0);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * this.uniform();
    return out;
  }

  /** An integer uniform on {0, …, n − 1}. */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** A Gamma(shape, 1) draw (Marsaglia & Tsang 2000; boosted for shape < 1). */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * Math.pow(this.uniformPositive(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.uniformPositive();
      if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** A random permutation of {0, …, n − 1} (Fisher–Yates). */
  permutation(n: number): number[] {
    checkInt('Rng.permutation', 'n', n, 0);
    const p = Array.from({ length: n }, (_, i) => i);
    this.shuffle(p);
    return p;
  }

  /** Shuffle an array in place (Fisher–Yates). */
  shuffle<T>(a: T[] | Int32Array | Uint32Array): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /** A new generator seeded from this one: independent streams for independent purposes. */
  fork(): Rng {
    return new Rng(`${this.prng.int32()}:${this.prng.int32()}`);
  }

  private uniformPositive(): number {
    let u = 0;
    while (u === 0) u = this.uniform();
    return u;
  }
}

/** An `Rng` from a seed: an `Rng` is used as is, a number or string seeds a new one, nothing → entropy. */
export function toRng(seed?: Seed, fn = 'toRng', arg = 'seed'): Rng {
  if (seed instanceof Rng) return seed;
  // Anything else would be stringified ("[object Object]") into a silently constant seed.
  if (seed !== undefined && typeof seed !== 'string' && !(typeof seed === 'number' && Number.isFinite(seed))) {
    throw new ValidationError(fn, arg, 'a finite number, a string or an Rng', describe(seed));
  }
  return new Rng(seed);
}
