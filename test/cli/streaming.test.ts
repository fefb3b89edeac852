/**
 * Large inputs through the command line, on small files: standard input as `-` (and /dev/stdin),
 * delimiter and header options, line/column errors from a pipe, `logprob` and `sample` in several
 * chunks agreeing with the saved flow evaluated in this process, the in-memory row limit, `fit --stream`,
 * and `--out` refusing to replace a model without `--force`.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, tf } from '../../src/index.js';
import { loadFlow } from '../../src/node.js';
import { parseCsv, runCli } from './run-cli.js';
import { runCliWithInput } from './run-cli-io.js';

const dir = mkdtempSync(join(tmpdir(), 'tfjs-flows-cli-stream-'));
const p = (f: string) => join(dir, f);
const model = p('model');
const small = ['--flow', 'maf', '--layers', '1', '--hidden', '4', '--no-progress'];

/** n rows (a, b) of a correlated Gaussian, as text with `sep`. */
function rows(n: number, seed: number, sep = ','): string[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const z = rng.normal();
    return [z.toFixed(4), (0.5 * z + 0.3 * rng.normal()).toFixed(4)].join(sep);
  });
}
const csv = (header: string, lines: string[]) => `${header}\n${lines.join('\n')}\n`;

/** In-process log p of rows `[a, b]` under the saved model. */
async function logProbHere(values: number[][]): Promise<number[]> {
  const flow = await loadFlow(join(model, 'flow.json'));
  const lp = tf.tidy(() => flow.logProb(values));
  const out = Array.from(lp.dataSync());
  lp.dispose();
  flow.dispose();
  return out;
}
const close = (got: number[], want: number[]) => {
  expect(got).toHaveLength(want.length);
  // The child may run the other SIMD module (see commands.test.ts): float32 rounding apart.
  got.forEach((g, i) => expect(Math.abs(g - want[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want[i]))));
};

let fitFromStdin: Awaited<ReturnType<typeof runCli>>;

beforeAll(async () => {
  writeFileSync(p('train.csv'), csv('a,b', rows(400, 1)));
  // The model is trained from standard input, a ;-separated file without being told.
  fitFromStdin = await runCliWithInput(['fit', '-', '--steps', '5', '--val', '0.1', '--test', '0', ...small, '--no-report', '--out', model], csv('a;b', rows(400, 1, ';')));
}, 120_000);

describe('standard input and CSV options', () => {
  it('fit reads - (a ;-separated file, detected) and says what it trains on', () => {
    expect(fitFromStdin.stderr).toBe('');
    expect(fitFromStdin.code).toBe(0);
    expect(fitFromStdin.stdout).toMatch(/fitting maf to 360 training rows \(validation 40, test 0\)/);
    const m = JSON.parse(readFileSync(join(model, 'metrics.json'), 'utf8'));
    expect(m.data.file).toBe('-');
    expect(m.rows).toEqual({ train: 360, validation: 40, test: 0 });
  }, 120_000);

  it('logprob of - and of /dev/stdin equal logprob of the file, tab-separated or headerless', async () => {
    const lines = rows(300, 2);
    writeFileSync(p('eval.csv'), csv('b,a', lines.map((l) => l.split(',').reverse().join(','))));
    const want = await logProbHere(lines.map((l) => l.split(',').map(Number)));
    const [file, dash, devStdin, tab, bare] = await Promise.all([
      runCli(['logprob', model, p('eval.csv')]),
      runCliWithInput(['logprob', model, '-'], readFileSync(p('eval.csv'), 'utf8')),
      runCliWithInput(['logprob', model, '/dev/stdin'], readFileSync(p('eval.csv'), 'utf8')),
      runCliWithInput(['logprob', model, '-'], csv('b\ta', lines.map((l) => l.split(',').reverse().join('\t')))),
      // No header: columns by position, as in the training file (a, b).
      runCliWithInput(['logprob', model, '-', '--no-header', '--delimiter', ';'], `${lines.map((l) => l.replace(',', ';')).join('\n')}\n`),
    ]);
    for (const r of [file, dash, devStdin, tab, bare]) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      close(parseCsv(r.stdout).rows.map((x) => x[0]), want);
    }
  }, 120_000);

  it('a bad cell on standard input is named by line and column; an ambiguous delimiter asks for --delimiter', async () => {
    const [bad, amb, flag] = await Promise.all([
      runCliWithInput(['logprob', model, '-'], 'a,b\n1,2\n\n3,x\n'),
      runCliWithInput(['logprob', model, '-'], '1,2;3\n4,5;6\n'),
      runCliWithInput(['logprob', model, '-', '--delimiter', '::'], 'a,b\n1,2\n'),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('error: standard input: line 4, column 2 (\'b\'): expected a finite number; got "x"\n');
    expect(amb.code).toBe(1);
    expect(amb.stderr).toMatch(/^error: standard input: cannot tell the delimiter: ',' and ';' .*--delimiter/);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/--delimiter <char>.*'::' is invalid/);
  }, 120_000);
});

describe('streamed logprob and sample', () => {
  it('logprob of more rows than a chunk (8,192) gives every row, in order', async () => {
    const lines = rows(20000, 3);
    const want = await logProbHere(lines.map((l) => l.split(',').map(Number)));
    const r = await runCliWithInput(['logprob', model, '-', '--out', p('lp.csv')], csv('a,b', lines));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/wrote 20000 log-densities/);
    close(parseCsv(readFileSync(p('lp.csv'), 'utf8')).rows.map((x) => x[0]), want);
    // Written through a temporary file, renamed at the end: nothing else is left in the folder.
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 120_000);

  it('sample in chunks equals one draw of n rows with the same seed', async () => {
    const n = 9000;
    const r = await runCli(['sample', model, '-n', String(n), '--seed', '8']);
    expect(r.code).toBe(0);
    const got = parseCsv(r.stdout);
    expect(got.header).toEqual(['a', 'b']);
    const flow = await loadFlow(join(model, 'flow.json'));
    const x = flow.sample(n, { seed: 8 });
    const want = Array.from(x.dataSync());
    x.dispose();
    flow.dispose();
    close(got.rows.flat(), want);
  }, 120_000);
});

describe('fit on large data', () => {
  it('stops past --max-rows with the limit and what to do', async () => {
    const r = await runCli(['fit', p('train.csv'), '--max-rows', '100', ...small, '--out', p('limited')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: .*train\.csv: more than 100 rows, the most held in memory \(--max-rows\); train with --stream/);
    expect(existsSync(p('limited'))).toBe(false);
  }, 120_000);

  it('--stream trains from the file through a shuffle buffer, with samples of the held-out rows', async () => {
    const [r, stdin] = await Promise.all([
      runCli(['fit', p('train.csv'), '--stream', '--shuffle-buffer', '50', '--batch-size', '32', '--epochs', '2', '--val', '0.2', '--test', '0.1', ...small, '--out', p('streamed')]),
      runCli(['fit', '-', '--stream', ...small, '--out', p('streamed2')]),
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/streaming .*train\.csv: 400 rows, \d+ for training/);
    const m = JSON.parse(readFileSync(p('streamed/metrics.json'), 'utf8'));
    const s = m.data.stream;
    expect(s.rows).toBe(400);
    expect(s.train + s.validation + s.test).toBe(400);
    // 2 epochs of ceil(train / 32) batches.
    expect(m.steps).toBe(2 * Math.ceil(s.train / 32));
    expect(m.rows).toEqual({ train: s.train, validation: s.validation, test: s.test });
    expect(m.flow.dim).toBe(2);
    const flow = await loadFlow(p('streamed/flow.json'));
    // Standardised with the statistics of the sample of training rows: the mean is that of the data (about 0).
    expect(Math.abs(flow.standardization!.mean[0])).toBeLessThan(0.3);
    flow.dispose();
    expect(stdin.code).toBe(2);
    expect(stdin.stderr).toMatch(/'<data\.csv>' must be a file with --stream/);
  }, 120_000);
});

describe('--out and --force', () => {
  it('refuses to replace a model without --force; with it, replaces every file of the earlier run', async () => {
    const out = p('twice');
    const args = ['fit', p('train.csv'), '--steps', '2', ...small, '--out', out];
    const first = await runCli(args);
    expect(first.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['flow.json', 'metrics.json', 'report.html']);
    const before = statSync(join(out, 'flow.json')).mtimeMs;
    const refused = await runCli(args);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/'--out' must be a directory without an earlier model, or --force to replace it; got .*twice, which holds flow\.json, metrics\.json, report\.html/);
    expect(statSync(join(out, 'flow.json')).mtimeMs).toBe(before);
    const forced = await runCli([...args, '--force', '--no-report', '--seed', '3']);
    expect(forced.code).toBe(0);
    // No stale report beside the new model.
    expect(readdirSync(out).sort()).toEqual(['flow.json', 'metrics.json']);
    expect(JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')).options.seed).toBe(3);
  }, 120_000);
});
