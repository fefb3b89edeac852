/**
 * `tfjs-flows fit` on a table: the Gaussian baseline beside the flow's NLLs (scored by an independent
 * computation here), early stopping on by default, dequantisation of integer columns, and the
 * standardisation choice.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng, fitGaussian } from '../../src/index.js';
import { runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tfjs-flows-baseline-'));
const rng = new Rng(3);
// 300 rows: two correlated continuous columns and a count column.
const rows = Array.from({ length: 300 }, () => {
  const e = rng.normal();
  return [2 * e, e + 0.5 * rng.normal(), Math.floor(4 * rng.uniform())];
});
writeFileSync(join(dir, 'data.csv'), `a,b,count\n${rows.map((r) => r.join(',')).join('\n')}\n`);

describe('tfjs-flows fit: the Gaussian baseline and the data options', () => {
  it('prints flow and Gaussian NLLs per split, stops early by default, and warns about integer columns', async () => {
    const out = join(dir, 'plain');
    const r = await runCli(['fit', join(dir, 'data.csv'), '--columns', 'a,b', '--steps', '400', '--hidden', '8', '--layers', '2', '--no-report', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/validation flow [0-9.]+, Gaussian [0-9.]+ \((flow|Gaussian) better by [0-9.]+\)/);
    const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(m.restoredBest || m.bestStep === m.steps).toBe(true);
    // The baseline is the maximum-likelihood Gaussian of the training rows (300 rows: no shrinkage), scored on the same rows.
    expect(m.rows.train + m.rows.validation + m.rows.test).toBe(300);
    expect(m.gaussianBaseline.shrinkage).toBe(0);
    // Never worse than the Gaussian on validation: the flow starts there and the best weights are kept.
    expect(m.validationNll).toBeLessThanOrEqual(m.gaussianBaseline.validationNll + 1e-4);
    expect(r.stderr).not.toMatch(/integers/); // --columns a,b: no integer column
  });

  it('the Gaussian baseline equals an independent fit on the same training rows', async () => {
    // No validation or test rows: the training rows are the whole file, so the baseline is computable here.
    const out = join(dir, 'all');
    const r = await runCli(['fit', join(dir, 'data.csv'), '--columns', 'a,b', '--steps', '5', '--val', '0', '--test', '0', '--hidden', '4', '--layers', '1', '--no-report', '--out', out]);
    expect(r.code).toBe(0);
    const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    const g = fitGaussian(Float64Array.from(rows.flatMap((x) => [Math.fround(x[0]), Math.fround(x[1])])), 300, 2);
    expect(m.gaussianBaseline.trainNll).toBeCloseTo(g.meanNll(Float64Array.from(rows.flatMap((x) => [Math.fround(x[0]), Math.fround(x[1])])), 300), 4);
  });

  it('warns about an integer column without --dequantize, and dequantises it with the flag', async () => {
    const a = await runCli(['fit', join(dir, 'data.csv'), '--steps', '10', '--hidden', '4', '--layers', '1', '--no-report', '--out', join(dir, 'int')]);
    expect(a.code).toBe(0);
    expect(a.stderr).toMatch(/warning: column 2 holds only integers.*--dequantize/);
    const b = await runCli(['fit', join(dir, 'data.csv'), '--steps', '10', '--hidden', '4', '--layers', '1', '--dequantize', '--no-report', '--out', join(dir, 'deq')]);
    expect(b.code).toBe(0);
    expect(b.stderr).not.toMatch(/integers/);
    const m = JSON.parse(readFileSync(join(dir, 'deq', 'metrics.json'), 'utf8'));
    expect(m.dequantizedColumns).toEqual([2]);
  });

  it('--normalization batchnorm puts a BatchNorm between the layers, and the run records it', async () => {
    const out = join(dir, 'bn');
    const r = await runCli(['fit', join(dir, 'data.csv'), '--columns', 'a,b', '--flow', 'maf', '--layers', '2', '--hidden', '4', '--normalization', 'batchnorm', '--steps', '5', '--no-report', '--out', out]);
    expect(r.code).toBe(0);
    const doc = readFileSync(join(out, 'flow.json'), 'utf8');
    expect(doc.match(/"BatchNorm"/g)?.length).toBe(2);
    expect(JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')).flow.normalization).toBe('batchnorm');
  });

  it('--standardize columns stores per-column statistics only; whiten stores the correlation factor; auto (default) whitens below 30 training rows per column', async () => {
    const run = async (kind: string | null, steps = '2') => {
      const out = join(dir, `st-${kind}-${steps}`);
      const r = await runCli(['fit', join(dir, 'data.csv'), '--columns', 'a,b', '--steps', steps, '--hidden', '4', '--layers', '1', '--no-report', ...(kind ? ['--standardize', kind] : []), '--out', out]);
      expect(r.code).toBe(0);
      const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
      return { ...JSON.parse(readFileSync(join(out, 'flow.json'), 'utf8')).architecture.standardization, metrics, stdout: r.stdout };
    };
    // 240 training rows of 2 columns: auto scales per column; after 2 steps the flow is still the diagonal
    // Gaussian, worse than the full one on these correlated columns, so the full Gaussian is returned.
    const auto = await run(null);
    expect(auto.metrics.gaussianFallback).toBe(true);
    expect(auto.metrics.standardization).toBe('whiten');
    expect(auto.correlationTril).toHaveLength(2);
    expect(auto.stdout).toMatch(/full-covariance Gaussian validated better than the trained flow.*kept the Gaussian.*--standardize whiten/);
    expect((await run('whiten')).correlationTril).toHaveLength(2);
    const columns = await run('columns');
    expect(columns.correlationTril).toBeUndefined();
    expect(columns.metrics.gaussianFallback).toBe(false);
    expect((await run('none')).metrics.standardization).toBe('none');
  });
});
