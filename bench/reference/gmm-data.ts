/**
 * The data of the wide benchmark (issue 16, bench/wide.ts): a 10-component Gaussian mixture in `dim`
 * dimensions, standardised column by column, drawn with the library's seeded `Rng` so that our
 * benchmark and the PyTorch reference (bench/reference/nflows_wide.py, which reads the CSV written
 * here) train on the very same rows.
 *
 * Component k: weight ∝ 0.5 + U(0, 1), mean 2.5·N(0, I), covariance A_k A_kᵀ with A_k entries
 * N(0, 0.6² / dim) plus 0.3 on the diagonal (full, well conditioned covariances). Rows are then
 * shifted and scaled to mean 0 and standard deviation 1 per column (float64 statistics) and rounded
 * to float32.
 *
 *     npx tsx bench/reference/gmm-data.ts 8 32 43 [--rows 20000] [--out out/reference]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Rng } from '../../src/random.js';

export const GMM_COMPONENTS = 10;
export const GMM_ROWS = 20_000;
export const GMM_SEED = 16;

/** `n` standardised rows `[n·dim]` (row-major, float32) of the benchmark's mixture in `dim` dimensions. */
export function gaussianMixtureRows(n: number, dim: number, seed: number = GMM_SEED): Float32Array {
  const rng = new Rng(`gmm-${dim}-${seed}`);
  const weights = Array.from({ length: GMM_COMPONENTS }, () => 0.5 + rng.uniform());
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  weights.reduce((acc, w) => (cumulative.push(acc + w / total), acc + w / total), 0);
  const means = Array.from({ length: GMM_COMPONENTS }, () => Array.from({ length: dim }, () => 2.5 * rng.normal()));
  const factors = Array.from({ length: GMM_COMPONENTS }, () =>
    Array.from({ length: dim * dim }, (_, k) => (0.6 / Math.sqrt(dim)) * rng.normal() + (Math.floor(k / dim) === k % dim ? 0.3 : 0)),
  );
  const raw = new Float64Array(n * dim);
  const z = new Float64Array(dim);
  for (let r = 0; r < n; r++) {
    const u = rng.uniform();
    let c = cumulative.findIndex((q) => u < q);
    if (c < 0) c = GMM_COMPONENTS - 1;
    for (let j = 0; j < dim; j++) z[j] = rng.normal();
    const a = factors[c];
    for (let i = 0; i < dim; i++) {
      let s = means[c][i];
      for (let j = 0; j < dim; j++) s += a[i * dim + j] * z[j];
      raw[r * dim + i] = s;
    }
  }
  const out = new Float32Array(n * dim);
  for (let i = 0; i < dim; i++) {
    let mean = 0;
    for (let r = 0; r < n; r++) mean += raw[r * dim + i];
    mean /= n;
    let v = 0;
    for (let r = 0; r < n; r++) v += (raw[r * dim + i] - mean) ** 2;
    const std = Math.sqrt(v / n);
    for (let r = 0; r < n; r++) out[r * dim + i] = (raw[r * dim + i] - mean) / std;
  }
  return out;
}

/** Path of the CSV for `dim` under `dir`. */
export function gmmCsvPath(dir: string, dim: number): string {
  return join(dir, `gmm-d${dim}.csv`);
}

/** Write the rows as CSV (header x0…x{dim−1}; each float32 as its shortest round-trip decimal). Returns the path. */
export function writeGmmCsv(dir: string, dim: number, rows: Float32Array): string {
  mkdirSync(dir, { recursive: true });
  const lines: string[] = [Array.from({ length: dim }, (_, i) => `x${i}`).join(',')];
  for (let r = 0; r < rows.length / dim; r++) lines.push(Array.from(rows.subarray(r * dim, (r + 1) * dim), (v) => String(v)).join(','));
  const file = gmmCsvPath(dir, dim);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const flag = (name: string, fallback: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args.splice(i, 2)[1] : fallback;
  };
  const rows = Number(flag('--rows', String(GMM_ROWS)));
  const out = flag('--out', 'out/reference');
  for (const d of (args.length ? args : ['8', '32', '43']).map(Number)) {
    console.log(`wrote ${writeGmmCsv(out, d, gaussianMixtureRows(rows, d))} (${rows} rows)`);
  }
}
