/**
 * Every kind of bad input ends with one `error: …` line on stderr naming the problem, and no stack
 * trace: exit code 2 for a usage error (options, arguments), 1 for a runtime one (data, files); an
 * unexpected error exits 1 with a hint to report it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { FileFormatError, ValidationError } from '../../src/index.js';
import { reportError } from '../../src/cli/errors.js';
import { Interrupted } from '../../src/cli/interrupt.js';
import { type CliResult, runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tfjs-flows-cli-errors-'));
const p = (f: string) => join(dir, f);

beforeAll(async () => {
  writeFileSync(p('ok.csv'), ['1,2', '3,4', '5,7', '2,2', '0,1', '4,4'].join('\n'));
  writeFileSync(p('text.csv'), ['x,y', '1,2', '3,abc'].join('\n'));
  writeFileSync(p('ragged.csv'), ['x,y', '1,2', '3,4,5'].join('\n'));
  writeFileSync(p('wide.csv'), ['1,2,3', '4,5,6'].join('\n'));
  // A model trained on a two-column file without header, for the width check of logprob.
  const r = await runCli(['fit', p('ok.csv'), '--flow', 'maf', '--layers', '1', '--hidden', '4', '--steps', '2', '--val', '0', '--test', '0', '--no-report', '--out', p('model')]);
  expect(r.code).toBe(0);
});

/** [arguments, pattern the one-line message must match, exit code: 2 usage, 1 runtime] */
const CASES: [string, string[], RegExp, number][] = [
  ['unknown flag', ['fit', 'ok.csv', '--out', 'm', '--bogus'], /unknown option '--bogus'/, 2],
  ['non-integer --steps', ['fit', 'ok.csv', '--out', 'm', '--steps', '2.5'], /--steps <n>.*'2\.5' is invalid.*integer/, 2],
  ['unknown --flow', ['fit', 'ok.csv', '--out', 'm', '--flow', 'glow'], /'glow' is invalid.*nsf, realnvp, maf, planar/, 2],
  ['missing --out', ['fit', 'ok.csv'], /required option '--out <dir>'/, 2],
  ['missing data file', ['fit', 'nope.csv', '--out', 'm'], /nope\.csv: no such file/, 1],
  ['non-numeric cell', ['fit', 'text.csv', '--out', 'm'], /text\.csv: line 3, column 2 \('y'\): expected a finite number; got "abc"/, 1],
  ['ragged CSV', ['fit', 'ragged.csv', '--out', 'm'], /ragged\.csv: .*line 3/, 1],
  ['option of another flow', ['fit', 'ok.csv', '--out', 'm', '--flow', 'realnvp', '--bins', '4'], /'--bins' must be given only with --flow nsf; got --flow realnvp/, 2],
  ['unknown --normalization', ['fit', 'ok.csv', '--out', 'm', '--normalization', 'layer'], /'layer' is invalid.*none, actnorm, batchnorm/, 2],
  ['normalization for planar', ['fit', 'ok.csv', '--out', 'm', '--flow', 'planar', '--normalization', 'batchnorm'], /'--normalization' must be none with --flow planar.*got batchnorm/, 2],
  ['unknown column', ['fit', 'text.csv', '--out', 'm', '--columns', 'x,z'], /'--columns' must be a column name \("x", "y"\).*got "z"/, 2],
  ['missing model dir', ['sample', 'no-model'], /no-model: no such model directory/, 1],
  ['directory without a model', ['info', '.'], /holds no flow\.json/, 1],
  ['CSV of the wrong width', ['logprob', 'model', 'wide.csv'], /wide\.csv: expected 2 columns .*got 3/, 1],
  ['context for an unconditional flow', ['sample', 'model', '--context', '1'], /'--context' must be absent/, 2],
  ['unknown command', ['bogus'], /unknown command 'bogus'/, 2],
];

describe('bad input', () => {
  it.concurrent.each(CASES)('%s: one line, the right exit code', async (_, args, pattern, code) => {
    const r: CliResult = await runCli(args.map((a) => (/\.(csv)$|^model$|^no-model$|^\.$/.test(a) ? p(a) : a)));
    expect(r.code).toBe(code);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[0]).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack frames
    expect(lines.length).toBeLessThanOrEqual(2); // commander adds "(add --help for usage)"
  });
});

describe('reportError', () => {
  const collect = () => {
    const out: string[] = [];
    return { out, write: (s: string) => void out.push(s) };
  };

  it('file errors exit 1 and bad arguments 2, with their message', () => {
    const c = collect();
    expect(reportError(new FileFormatError('m.json', 'is not valid JSON'), c.write)).toBe(1);
    expect(c.out.join('')).toBe('error: m.json: is not valid JSON\n');
    const v = collect();
    expect(reportError(new ValidationError('tfjs-flows fit', '--x', 'a number', '"a"'), v.write)).toBe(2);
  });

  it('an interrupt exits 130 with its one line', () => {
    const c = collect();
    expect(reportError(new Interrupted('interrupted (SIGINT) at step 3: wrote …'), c.write)).toBe(130);
    expect(c.out).toEqual(['interrupted (SIGINT) at step 3: wrote …\n']);
  });

  it('an unexpected error exits 1 with its message and a hint to report it, without a stack', () => {
    const c = collect();
    expect(reportError(new TypeError('boom'), c.write)).toBe(1);
    const text = c.out.join('');
    expect(text).toMatch(/^error: unexpected: boom\n/);
    expect(text).toMatch(/please report it/);
    expect(text).not.toMatch(/\n\s+at /);
  });

  it('commander errors exit 2 (help and version 0), having printed already', () => {
    const c = collect();
    expect(reportError(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'), c.write)).toBe(0);
    expect(reportError(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'"), c.write)).toBe(2);
    expect(c.out).toEqual([]);
  });
});
