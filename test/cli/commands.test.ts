/**
 * The command line end to end, as child processes on small data with few steps: `fit` writes the
 * model directory, `sample` and `logprob` agree bit for bit (in float32) with the saved flow loaded
 * in this process, `info` describes it. Three processes run at a time to bound the wall time.
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng, tf } from '../../src/index.js';
import { loadFlow } from '../../src/node.js';
import { parseCsv, runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tfjs-flows-cli-'));
const model = join(dir, 'model');
const condModel = join(dir, 'cond');

/** Correlated Gaussian rows (a, b), a text column, and for the conditional data a context c shifting b. */
function writeData(): void {
  const rng = new Rng(11);
  const row = () => {
    const z1 = rng.normal();
    const z2 = rng.normal();
    return [1 + 2 * z1, -1 + 0.5 * z1 + 0.3 * z2];
  };
  const lines = (n: number) => Array.from({ length: n }, (_, i) => `${row().map((v) => v.toFixed(5)).join(',')},${i % 2 ? 'odd' : 'even'}`);
  writeFileSync(join(dir, 'train.csv'), ['a,b,note', ...lines(300)].join('\n'));
  writeFileSync(join(dir, 'test.csv'), ['note,b,a', ...lines(50).map((l) => { const [a, b, note] = l.split(','); return `${note},${b},${a}`; })].join('\n'));
  const cond = Array.from({ length: 200 }, () => {
    const c = rng.uniform() * 2 - 1;
    return `${rng.normal().toFixed(5)},${(3 * c + 0.2 * rng.normal()).toFixed(5)},${c.toFixed(5)}`;
  });
  writeFileSync(join(dir, 'cond.csv'), ['x,y,c', ...cond].join('\n'));
}

/** Rows of columns a, b of a file written above, in that order. */
function readAB(file: string): number[][] {
  const lines = readFileSync(join(dir, file), 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  const ia = header.indexOf('a');
  const ib = header.indexOf('b');
  return lines.slice(1).map((l) => l.split(',')).map((c) => [Number(c[ia]), Number(c[ib])]);
}

const small = ['--layers', '2', '--hidden', '8,8', '--no-progress'];
let fitRun: Awaited<ReturnType<typeof runCli>>;
let condRun: Awaited<ReturnType<typeof runCli>>;

beforeAll(async () => {
  writeData();
  [fitRun, condRun] = await Promise.all([
    runCli(['fit', join(dir, 'train.csv'), '--columns', 'a,b', '--steps', '30', '--no-early-stopping', '--batch-size', '64', '--val', '0.2', '--test', join(dir, 'test.csv'), '--seed', '4', ...small, '--out', model]),
    runCli(['fit', join(dir, 'cond.csv'), '--flow', 'realnvp', '--context-columns', 'c', '--steps', '10', '--test', '0', ...small, '--no-report', '--out', condModel]),
  ]);
});

afterAll(() => {
  // Left in the OS temp dir on purpose when a test fails, for inspection; small either way.
});

describe('tfjs-flows fit', () => {
  it('exits 0 and writes flow.json, metrics.json and report.html', () => {
    expect(fitRun.stderr).toBe('');
    expect(fitRun.code).toBe(0);
    for (const f of ['flow.json', 'metrics.json', 'report.html']) expect(existsSync(join(model, f))).toBe(true);
    expect(fitRun.stdout).toMatch(/30 steps/);
  });

  it('metrics.json holds the NLLs, steps, rows, wall time, backend and options', async () => {
    const m = JSON.parse(readFileSync(join(model, 'metrics.json'), 'utf8'));
    for (const key of ['trainNll', 'validationNll', 'testNll', 'steps', 'wallTime', 'backend', 'options', 'rows', 'flow']) expect(m).toHaveProperty(key);
    expect(m.steps).toBe(30);
    expect(m.rows).toEqual({ train: 240, validation: 60, test: 50 });
    expect(m.wallTime).toBeGreaterThan(0);
    expect(m.options).toMatchObject({ flow: 'nsf', steps: 30, batchSize: 64, val: 0.2, layers: 2, hidden: [8, 8], seed: 4 });
    expect(m.flow).toMatchObject({ kind: 'nsf', dim: 2, contextDim: 0, layers: 2 });
    expect(['tensorflow', 'wasm', 'cpu']).toContain(m.backend);
    // The test NLL is the saved flow's mean −log p over the rows of test.csv (columns found by name).
    const flow = await loadFlow(join(model, 'flow.json'));
    const lp = tf.tidy(() => flow.logProb(readAB('test.csv')));
    const mean = -(lp.dataSync() as Float32Array).reduce((s, v) => s + v, 0) / 50;
    tf.dispose([lp]);
    flow.dispose();
    expect(m.testNll).toBeCloseTo(mean, 4);
    // Standardised NLL = NLL − Σ log std of the training rows, a fixed offset for every split.
    const offset = m.trainNll - m.standardizedNll.train;
    expect(m.testNll - m.standardizedNll.test).toBeCloseTo(offset, 5);
  });

  it('stores the column layout and metrics with the model, and writes a report with the figures', async () => {
    const doc = JSON.parse(readFileSync(join(model, 'flow.json'), 'utf8'));
    expect(doc.metadata.layout).toMatchObject({ columns: ['a', 'b'], header: true, width: 3, indices: [0, 1] });
    expect(doc.metadata.metrics.steps).toBe(30);
    const html = readFileSync(join(model, 'report.html'), 'utf8');
    for (const title of ['Learned density', 'Samples', 'Training curves', 'Layer by layer']) expect(html).toContain(title);
  });
});

describe('tfjs-flows sample', () => {
  it('writes n seeded rows under the column names, equal to loadFlow(dir).sample', async () => {
    const out = join(dir, 'samples.csv');
    const [a, b, c] = await Promise.all([
      runCli(['sample', model, '-n', '7', '--seed', '5']),
      runCli(['sample', model, '-n', '7', '--seed', '5', '--out', out]),
      runCli(['sample', model, '-n', '7', '--seed', '6']),
    ]);
    expect([a.code, b.code, c.code]).toEqual([0, 0, 0]);
    const parsed = parseCsv(a.stdout);
    expect(parsed.header).toEqual(['a', 'b']);
    expect(parsed.rows).toHaveLength(7);
    expect(readFileSync(out, 'utf8')).toBe(a.stdout);
    expect(c.stdout).not.toBe(a.stdout);
    const flow = await loadFlow(join(model, 'flow.json'));
    const x = flow.sample(7, { seed: 5 });
    const want = Array.from(x.dataSync());
    tf.dispose(x);
    flow.dispose();
    // 9 significant digits read back to a float32; the child runs the plain SIMD kernels and this
    // process the relaxed (fused multiply-add) ones, so equal within float32 rounding, not bit for bit.
    const got = parsed.rows.flat().map(Math.fround);
    expect(got).toHaveLength(want.length);
    got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want[i]))));
  });

  it('a conditional flow needs --context and writes it as a column', async () => {
    expect(condRun.code).toBe(0);
    const [missing, ok] = await Promise.all([runCli(['sample', condModel, '-n', '3']), runCli(['sample', condModel, '-n', '4', '--context', '0.5'])]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--context.*conditional/);
    const parsed = parseCsv(ok.stdout);
    expect(parsed.header).toEqual(['x', 'y', 'c']);
    expect(parsed.rows.map((r) => r[2])).toEqual([0.5, 0.5, 0.5, 0.5]);
  });
});

describe('tfjs-flows logprob', () => {
  it('equals loadFlow(dir).logProb of the same rows, picking the columns by name', async () => {
    const out = join(dir, 'lp.csv');
    const [r, w] = await Promise.all([runCli(['logprob', model, join(dir, 'test.csv')]), runCli(['logprob', model, join(dir, 'test.csv'), '--out', out])]);
    expect([r.code, w.code]).toEqual([0, 0]);
    expect(w.stdout).toMatch(/wrote 50 log-densities/);
    const parsed = parseCsv(r.stdout);
    expect(parsed.header).toEqual(['log_prob']);
    expect(readFileSync(out, 'utf8')).toBe(r.stdout);
    const flow = await loadFlow(join(model, 'flow.json'));
    const lp = flow.logProb(readAB('test.csv'));
    const want = Array.from(lp.dataSync());
    tf.dispose(lp);
    flow.dispose();
    // The CLI's process may run the other SIMD module (this one enables relaxed SIMD, a plain Node 20
    // child does not): fused multiply-adds round differently, within float32 rounding of log p.
    expect(parsed.rows).toHaveLength(want.length);
    parsed.rows.forEach((row, i) => expect(Math.abs(row[0] - want[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want[i]))));
  });

  it('takes the context columns of a conditional flow', async () => {
    const r = await runCli(['logprob', condModel, join(dir, 'cond.csv')]);
    expect(r.code).toBe(0);
    const flow = await loadFlow(join(condModel, 'flow.json'));
    const rows = readFileSync(join(dir, 'cond.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
    const lp = flow.logProb(rows.map((v) => [v[0], v[1]]), rows.map((v) => [v[2]]));
    const want = Array.from(lp.dataSync());
    tf.dispose(lp);
    flow.dispose();
    // This process runs the relaxed-SIMD (fused multiply-add) kernels, the child the plain ones: equal within float32 rounding.
    const got = parseCsv(r.stdout).rows.map((row) => row[0]);
    expect(got).toHaveLength(want.length);
    got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(1e-6 * Math.abs(want[i])));
  });
});

describe('tfjs-flows info', () => {
  it('describes the architecture, columns and metrics; --json gives the document without weight data', async () => {
    const [text, json] = await Promise.all([runCli(['info', model]), runCli(['info', join(model, 'flow.json'), '--json'])]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/flow: nsf, dimension 2, context dimension 0/);
    expect(text.stdout.match(/SplineCoupling\(/g)).toHaveLength(2);
    expect(text.stdout).toMatch(/hidden=\[8,8\]/);
    expect(text.stdout).toMatch(/columns: a, b/);
    expect(text.stdout).toMatch(/testNll/);
    const doc = JSON.parse(json.stdout);
    expect(doc.architecture.bijector.className).toBe('Chain');
    expect(doc.weights.length).toBeGreaterThan(0);
    expect(doc.weights[0]).not.toHaveProperty('data');
  });
});
