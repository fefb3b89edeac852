/**
 * The data sets of the tabular benchmark (bench/tabular.ts): real tables from the `vega-datasets` npm
 * package (a devDependency; files read from node_modules/vega-datasets/data) and two synthetic sets
 * whose density and entropy are known in closed form.
 *
 * Preprocessing, identical for every model:
 * - rows with a missing or non-numeric value in a chosen column are dropped;
 * - a few heavy-tailed money/count columns are replaced by log1p(value) (stated per set);
 * - quantised columns (at most n/2 distinct values: integers, values rounded to 0.1, …) are
 *   dequantised once, with a seeded uniform noise of one grid step: x + h·(u − ½), u ~ U(0, 1), where h
 *   is the smallest gap between distinct values. Without it a continuous density can put unbounded mass
 *   on repeated values (a Gaussian-mixture component collapses onto an atom) and test NLLs are not
 *   comparable. The NLL is then that of the dequantised data (its density in data units);
 * - rows are shuffled with a fixed seed and split 80/10/10 into train/validation/test.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/random.js';
import { cholesky } from '../src/stats/linalg.js';

export interface TabularSet {
  name: string;
  /** Column names, in order. */
  columns: string[];
  /** All rows (after preprocessing), flat row-major float64. */
  values: Float64Array;
  n: number;
  dim: number;
  /** Where the rows came from and what was done to them. */
  source: string;
  /** Columns that were dequantised, with their grid step. */
  dequantized: { column: string; step: number }[];
  /** Synthetic sets only: the exact log density of rows, and the differential entropy (nats per row). */
  truth?: { logProb(values: Float64Array, n: number): Float64Array; entropy: number; note: string };
}

export interface Split {
  train: Float64Array;
  validation: Float64Array;
  test: Float64Array;
  nTrain: number;
  nValidation: number;
  nTest: number;
}

// The package's `exports` do not list its data files, so they are read by path.
const DATA_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', 'vega-datasets', 'data');

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(join(DATA_DIR, file), 'utf8'));
}

/** Minimal CSV reader for the vega files (no quoted commas in the columns used). */
function readCsv(file: string): Record<string, string>[] {
  const lines = readFileSync(join(DATA_DIR, file), 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0].split(',');
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(header.map((h, i) => [h, cells[i]]));
  });
}

type Transform = (v: number) => number;

/** Raw rows of the chosen columns; rows with a missing/non-finite value (or transformed value) dropped. */
function numericRows(records: Record<string, unknown>[], columns: string[], transforms: Record<string, Transform> = {}): { values: Float64Array; n: number } {
  const kept: number[][] = [];
  for (const r of records) {
    const row = columns.map((c) => {
      const raw = r[c];
      if (raw === null || raw === undefined || raw === '') return Number.NaN;
      const v = typeof raw === 'number' ? raw : Number(raw);
      return transforms[c] && !Number.isFinite(transforms[c](v)) ? Number.NaN : v;
    });
    if (row.every(Number.isFinite)) kept.push(row);
  }
  return { values: Float64Array.from(kept.flat()), n: kept.length };
}

/** Dequantise (in place) every column with at most n/2 distinct values; see the file comment. */
function dequantize(values: Float64Array, n: number, dim: number, columns: string[], seed: string): { column: string; step: number }[] {
  const rng = new Rng(seed);
  const out: { column: string; step: number }[] = [];
  for (let j = 0; j < dim; j++) {
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++) col[i] = values[i * dim + j];
    const sorted = Float64Array.from(new Set(col)).sort();
    if (sorted.length > n / 2) continue;
    let step = Infinity;
    for (let k = 1; k < sorted.length; k++) step = Math.min(step, sorted[k] - sorted[k - 1]);
    if (!Number.isFinite(step)) continue;
    for (let i = 0; i < n; i++) values[i * dim + j] += step * (rng.uniform() - 0.5);
    out.push({ column: columns[j], step: Number(step.toPrecision(6)) });
  }
  return out;
}

/** Dequantise the raw values (in their own units), then apply the per-column transforms. */
function realSet(name: string, columns: string[], rows: { values: Float64Array; n: number }, source: string, transforms: Record<string, Transform> = {}): TabularSet {
  const dim = columns.length;
  const dequantized = dequantize(rows.values, rows.n, dim, columns, `${name}/dequantize`);
  columns.forEach((c, j) => {
    const f = transforms[c];
    if (!f) return;
    for (let i = 0; i < rows.n; i++) {
      const v = f(rows.values[i * dim + j]);
      if (!Number.isFinite(v)) throw new Error(`${name}: transform of column ${c} gave ${v} at row ${i}`);
      rows.values[i * dim + j] = v;
    }
  });
  return { name, columns, values: rows.values, n: rows.n, dim, source, dequantized };
}

const log1p: Transform = (v) => (v >= 0 ? Math.log1p(v) : Number.NaN);

// ---------------------------------------------------------------------------------------------
// Synthetic sets: X = g(Z), Z ~ N(0, R) with R a seeded correlation matrix, g acting per column.
// log p(x) = log N(g⁻¹(x); 0, R) − Σ_j log g_j'(g_j⁻¹(x_j)), and the entropy is exact up to 1-D
// integrals: h(X) = ½ log((2πe)^d det R) + Σ_j E[log g_j'(Z_j)], Z_j ~ N(0, 1) (computed by the
// trapezoid rule on [−12, 12] with 24,001 nodes: error far below 1e-10 for these smooth integrands).

interface Marginal {
  name: string;
  g: (z: number) => number;
  /** log g'(z) */
  logDg: (z: number) => number;
  inverse: (x: number) => number;
}

/** Monotone inverse by bisection in float64 (g increasing, unbounded). */
function bisect(g: (z: number) => number, x: number): number {
  let lo = -1;
  let hi = 1;
  while (g(lo) > x) lo *= 2;
  while (g(hi) < x) hi *= 2;
  for (let k = 0; k < 200 && hi - lo > 1e-15 * Math.max(1, Math.abs(lo)); k++) {
    const mid = 0.5 * (lo + hi);
    if (g(mid) < x) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

const MARGINALS: Marginal[] = [
  { name: 'identity (Gaussian)', g: (z) => z, logDg: () => 0, inverse: (x) => x },
  { name: 'exp(z/2) (log-normal)', g: (z) => Math.exp(z / 2), logDg: (z) => Math.log(0.5) + z / 2, inverse: (x) => 2 * Math.log(x) },
  // bimodal: z + 2 tanh(2z) pushes mass away from 0
  {
    name: 'z + 2 tanh(2z) (bimodal)',
    g: (z) => z + 2 * Math.tanh(2 * z),
    logDg: (z) => Math.log(1 + 4 / Math.cosh(2 * z) ** 2),
    inverse: (x) => bisect((z) => z + 2 * Math.tanh(2 * z), x),
  },
  { name: 'sinh(z) (heavy tails)', g: (z) => Math.sinh(z), logDg: (z) => Math.log(Math.cosh(z)), inverse: (x) => Math.asinh(x) },
];

function gaussianExpectation(f: (z: number) => number): number {
  const nodes = 24001;
  const a = -12;
  const h = 24 / (nodes - 1);
  let s = 0;
  for (let k = 0; k < nodes; k++) {
    const z = a + k * h;
    const w = k === 0 || k === nodes - 1 ? 0.5 : 1;
    s += w * f(z) * Math.exp(-0.5 * z * z);
  }
  return (s * h) / Math.sqrt(2 * Math.PI);
}

function syntheticSet(name: string, dim: number, n: number): TabularSet {
  const rng = new Rng(`${name}/structure`);
  // R = D^{-1/2} (A Aᵀ / dim + ½ I) D^{-1/2}: a random correlation matrix with sizeable correlations.
  const A = Array.from({ length: dim }, () => Array.from({ length: dim }, () => rng.normal()));
  const S = A.map((ri, i) => A.map((rj, j) => ri.reduce((s, v, k) => s + v * rj[k], 0) / dim + (i === j ? 0.5 : 0)));
  const R = S.map((ri, i) => ri.map((v, j) => v / Math.sqrt(S[i][i] * S[j][j])));
  const L = cholesky(R);
  const Linv = L.map(() => new Array<number>(dim).fill(0));
  for (let c = 0; c < dim; c++) {
    Linv[c][c] = 1 / L[c][c];
    for (let i = c + 1; i < dim; i++) {
      let s = 0;
      for (let k = c; k < i; k++) s -= L[i][k] * Linv[k][c];
      Linv[i][c] = s / L[i][i];
    }
  }
  const logDetR = 2 * L.reduce((s, r, i) => s + Math.log(r[i]), 0);
  const marginals = Array.from({ length: dim }, (_, j) => MARGINALS[j % MARGINALS.length]);
  const expectedLogDg = MARGINALS.map((m) => gaussianExpectation(m.logDg));
  const entropy = 0.5 * (dim * Math.log(2 * Math.PI * Math.E) + logDetR) + marginals.reduce((s, _, j) => s + expectedLogDg[j % MARGINALS.length], 0);
  const draw = new Rng(`${name}/rows`);
  const values = new Float64Array(n * dim);
  const e = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) e[j] = draw.normal();
    for (let j = 0; j < dim; j++) {
      let z = 0;
      for (let k = 0; k <= j; k++) z += L[j][k] * e[k];
      values[i * dim + j] = marginals[j].g(z);
    }
  }
  const logProb = (x: Float64Array, m: number): Float64Array => {
    const out = new Float64Array(m);
    const z = new Float64Array(dim);
    for (let i = 0; i < m; i++) {
      let jac = 0;
      for (let j = 0; j < dim; j++) {
        z[j] = marginals[j].inverse(x[i * dim + j]);
        jac += marginals[j].logDg(z[j]);
      }
      let q = 0;
      for (let a = 0; a < dim; a++) {
        let w = 0;
        for (let b = 0; b <= a; b++) w += Linv[a][b] * z[b];
        q += w * w;
      }
      out[i] = -0.5 * (dim * Math.log(2 * Math.PI) + logDetR + q) - jac;
    }
    return out;
  };
  return {
    name,
    columns: marginals.map((m, j) => `x${j}: ${m.name}`),
    values,
    n,
    dim,
    source: `synthetic: X_j = g_j(Z_j), Z ~ N(0, R), R a seeded random correlation matrix; g_j cycles through ${MARGINALS.map((m) => m.name).join(', ')}`,
    dequantized: [],
    truth: { logProb, entropy, note: 'exact entropy: ½ log((2πe)^d det R) + Σ_j E[log g_j′(Z_j)], the 1-D expectations by the trapezoid rule' },
  };
}

/** Every set by name, loaded lazily. */
export const SETS: Record<string, () => TabularSet> = {
  penguins: () =>
    realSet('penguins', ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)'], numericRows(readJson('penguins.json') as Record<string, unknown>[], ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)']), 'vega-datasets penguins.json, 4 numeric columns, rows with missing values dropped'),
  cars: () => {
    const cols = ['Miles_per_Gallon', 'Cylinders', 'Displacement', 'Horsepower', 'Weight_in_lbs', 'Acceleration'];
    const records = (readJson('cars.json') as Record<string, unknown>[]).map((r) => ({ ...r, Year: Number(String(r.Year).slice(0, 4)) }));
    return realSet('cars', [...cols, 'Year'], numericRows(records, [...cols, 'Year']), 'vega-datasets cars.json, 7 numeric columns (Year as a number), rows with missing values dropped');
  },
  'seattle-weather': () => {
    const cols = ['precipitation', 'temp_max', 'temp_min', 'wind'];
    return realSet('seattle-weather', cols, numericRows(readCsv('seattle-weather.csv'), cols), 'vega-datasets seattle-weather.csv, 4 numeric columns');
  },
  earthquakes: () => {
    const doc = readJson('earthquakes.json') as { features: { properties: { mag: number }; geometry: { coordinates: number[] } }[] };
    const records = doc.features.map((f) => ({ longitude: f.geometry.coordinates[0], latitude: f.geometry.coordinates[1], depth: f.geometry.coordinates[2], mag: f.properties.mag }));
    const cols = ['longitude', 'latitude', 'depth', 'mag'];
    return realSet('earthquakes', cols, numericRows(records, cols), 'vega-datasets earthquakes.json (GeoJSON): longitude, latitude, depth, magnitude');
  },
  movies: () => {
    const cols = ['US Gross', 'Worldwide Gross', 'Production Budget', 'Running Time min', 'Rotten Tomatoes Rating', 'IMDB Rating', 'IMDB Votes'];
    const logs = { 'US Gross': log1p, 'Worldwide Gross': log1p, 'Production Budget': log1p, 'IMDB Votes': log1p };
    return realSet('movies', cols, numericRows(readJson('movies.json') as Record<string, unknown>[], cols, logs), 'vega-datasets movies.json, 7 numeric columns; log1p of the grosses, the budget and the vote count (after dequantisation); rows with missing values dropped', logs);
  },
  zipcodes: () => {
    const cols = ['longitude', 'latitude'];
    return realSet('zipcodes', cols, numericRows(readCsv('zipcodes.csv'), cols), 'vega-datasets zipcodes.csv: longitude, latitude of US ZIP codes');
  },
  flights: () => {
    const cols = ['delay', 'distance', 'time'];
    return realSet('flights', cols, numericRows(readJson('flights-200k.json') as Record<string, unknown>[], cols), 'vega-datasets flights-200k.json: delay (min), distance (miles), time (hour of day)');
  },
  'synthetic-8d': () => syntheticSet('synthetic-8d', 8, 40000),
  'synthetic-32d': () => syntheticSet('synthetic-32d', 32, 40000),
};

/** Shuffle with a fixed seed and split 80/10/10 (validation and test get round(n/10) rows each). */
export function splitSet(set: TabularSet, seed = 'tabular-split'): Split {
  const { n, dim, values } = set;
  const order = new Rng(`${seed}/${set.name}`).permutation(n);
  const nTest = Math.round(n / 10);
  const nValidation = Math.round(n / 10);
  const nTrain = n - nTest - nValidation;
  const take = (idx: number[]) => {
    const out = new Float64Array(idx.length * dim);
    idx.forEach((r, i) => out.set(values.subarray(r * dim, (r + 1) * dim), i * dim));
    return out;
  };
  return {
    test: take(order.slice(0, nTest)),
    validation: take(order.slice(nTest, nTest + nValidation)),
    train: take(order.slice(nTest + nValidation)),
    nTrain,
    nValidation,
    nTest,
  };
}
