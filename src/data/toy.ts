/**
 * What every toy dataset shares: argument checks, a seeded `Rng`, float64 generation in JavaScript
 * (so the same seed gives the same points on every backend) and the copy into a `[n, 2]` tensor.
 */
import { assertReady, tf } from '../backend.js';
import { type Rng, type Seed, toRng } from '../random.js';
import { checkInt, checkNumber, checkOptions, type MatrixLike, toMatrix } from '../validate.js';

/** Options of a toy dataset: the seed, and the noise level where the definition has one. */
export interface ToyOptions {
  /** Seed (number, string or `Rng`); omitted → not reproducible. */
  seed?: Seed;
  /** Standard deviation of the Gaussian noise, in the units of the reference definition (see each dataset). */
  noise?: number;
}

/** A seeded toy dataset: `dataset(n, options)` → `[n, 2]` float32 tensor (the caller disposes it). */
export interface ToyDataset {
  (n: number, options?: ToyOptions): tf.Tensor2D;
  /** The dataset's name (as in `datasets.<name>`). */
  readonly datasetName: string;
  /** Default noise level, or `null` when the dataset takes no `noise` option. */
  readonly defaultNoise: number | null;
}

/** A toy dataset whose true density is known in closed form. */
export interface ToyDatasetWithDensity extends ToyDataset {
  /**
   * True log-density of each row of `x` (`[batch, 2]`) → `[batch]`, computed in float64 and returned as
   * float32; `noise` must match the one the samples were drawn with. −Infinity outside the support.
   */
  logProb(x: MatrixLike, options?: { noise?: number }): tf.Tensor1D;
}

/** Fills `out` (`[n, 2]`, row-major) with `n` points. */
export type ToyGenerator = (out: Float64Array, n: number, rng: Rng, noise: number) => void;

/** Log-density of one point `(x, y)` at noise level `noise`. */
export type ToyLogDensity = (x: number, y: number, noise: number) => number;

export function makeToyDataset(name: string, generate: ToyGenerator, defaultNoise: number | null): ToyDataset;
export function makeToyDataset(name: string, generate: ToyGenerator, defaultNoise: number | null, logDensity: ToyLogDensity): ToyDatasetWithDensity;
export function makeToyDataset(name: string, generate: ToyGenerator, defaultNoise: number | null, logDensity?: ToyLogDensity): ToyDataset {
  const fn = `datasets.${name}`;
  const known = defaultNoise === null ? ['seed'] : ['seed', 'noise'];
  const noiseOf = (f: string, options: { noise?: number } | undefined): number =>
    defaultNoise === null ? 0 : checkNumber(f, 'options.noise', options?.noise ?? defaultNoise, { min: 0 });

  const dataset = (n: number, options: ToyOptions = {}): tf.Tensor2D => {
    assertReady(fn);
    checkInt(fn, 'n', n);
    checkOptions(fn, options, known);
    const noise = noiseOf(fn, options);
    const out = new Float64Array(2 * n);
    generate(out, n, toRng(options.seed, fn, 'options.seed'), noise);
    return tf.tensor2d(Float32Array.from(out), [n, 2]);
  };
  const props: Record<string, unknown> = { datasetName: name, defaultNoise };
  if (logDensity) {
    props.logProb = (x: MatrixLike, options: { noise?: number } = {}): tf.Tensor1D => {
      const f = `${fn}.logProb`;
      assertReady(f);
      checkOptions(f, options, defaultNoise === null ? [] : ['noise']);
      const noise = noiseOf(f, options);
      if (defaultNoise !== null && noise === 0) checkNumber(f, 'options.noise', noise, { min: 0, open: true });
      const { tensor, owned } = toMatrix(x, { fn: f, arg: 'x', cols: 2, finite: false, allowEmpty: true });
      const v = tensor.dataSync();
      if (owned) tensor.dispose();
      const rows = v.length / 2;
      const lp = new Float32Array(rows);
      for (let i = 0; i < rows; i++) lp[i] = logDensity(v[2 * i], v[2 * i + 1], noise);
      return tf.tensor1d(lp);
    };
  }
  return Object.assign(dataset, props) as unknown as ToyDataset;
}

/** `m` points evenly spaced on [0, end] including both ends (numpy's `linspace(0, end, m)`). */
export function linspaceInclusive(m: number, end: number, i: number): number {
  return m === 1 ? 0 : (end * i) / (m - 1);
}

/** Shuffle the rows of a `[n, 2]` row-major array in place (Fisher–Yates with the dataset's Rng). */
export function shuffleRows(out: Float64Array, n: number, rng: Rng): void {
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const a = out[2 * i];
    const b = out[2 * i + 1];
    out[2 * i] = out[2 * j];
    out[2 * i + 1] = out[2 * j + 1];
    out[2 * j] = a;
    out[2 * j + 1] = b;
  }
}

/** log Σ exp(terms), stable. */
export function logSumExp(terms: readonly number[]): number {
  const m = Math.max(...terms);
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (const t of terms) s += Math.exp(t - m);
  return m + Math.log(s);
}
