/**
 * The command line's share of the bad-input catalogue (test/cli/errors.test.ts has the first cases):
 * each bad invocation exits with code 2 (usage) or 1 (runtime) and one `error: …` line naming the problem, no stack trace.
 * The processes run four at a time: each is a Node start-up with tsx, the slow part of the catalogue.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskedAutoregressiveFlow } from '../../src/index.js';
import { saveFlow } from '../../src/node.js';
import { runCli } from '../cli/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tfjs-flows-bad-cli-'));
const p = (f: string) => join(dir, f);

beforeAll(async () => {
  const files: Record<string, string> = {
    'ok.csv': ['x,y', '1,2', '3,4', '5,7', '2,2', '0,1', '4,4'].join('\n'),
    'nan.csv': ['x1,x2', '1,2', 'NaN,4'].join('\n'),
    'empty.csv': '',
    'header-only.csv': 'x,y\n',
    'truncated.json': '{"format":"tfjs-flows","formatVersion":1,"fl',
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(p(name), text);
  const flow = maskedAutoregressiveFlow({ dim: 2, layers: 1, hidden: [4], seed: 1 });
  const cond = maskedAutoregressiveFlow({ dim: 2, layers: 1, hidden: [4], contextDim: 1, seed: 2 });
  await saveFlow(flow, p('flow.json'));
  await saveFlow(cond, p('cond.json'));
  flow.dispose();
  cond.dispose();
});

/** [what is wrong, arguments (`@name` is a file in the temporary folder), pattern of the error line, exit code (2 usage, 1 runtime)] */
const CASES: [string, string[], RegExp, number][] = [
  ['sample: -n 0', ['sample', '@flow.json', '-n', '0'], /-n, --n <count>.*'0' is invalid/, 2],
  ['sample: -n not a number', ['sample', '@flow.json', '-n', 'ten'], /'ten' is invalid/, 2],
  ['sample: missing context of a conditional model', ['sample', '@cond.json', '-n', '3'], /context/, 2],
  ['sample: context of the wrong width', ['sample', '@cond.json', '-n', '3', '--context', '1,2'], /context/, 2],
  ['sample: non-numeric context', ['sample', '@cond.json', '--context', 'abc'], /context.*abc|abc.*context/, 2],
  ['info: truncated model file', ['info', '@truncated.json'], /truncated\.json/, 1],
  ['logprob: missing data file', ['logprob', '@flow.json', '@missing.csv'], /missing\.csv: .*no such file/, 1],
  ['logprob: NaN cell', ['logprob', '@flow.json', '@nan.csv'], /nan\.csv: line 3, column 1.*"NaN"/, 1],
  ['fit: empty CSV', ['fit', '@empty.csv', '--out', '@m'], /empty\.csv: .*no rows/, 1],
  ['fit: header only', ['fit', '@header-only.csv', '--out', '@m'], /header-only\.csv: .*no data rows/, 1],
  ['fit: --val 1.5', ['fit', '@ok.csv', '--out', '@m', '--val', '1.5'], /--val <fraction>.*'1\.5' is invalid/, 2],
  ['fit: negative hidden size', ['fit', '@ok.csv', '--out', '@m', '--hidden', '64,-3'], /--hidden <sizes>.*'64,-3' is invalid/, 2],
  ['fit: column index out of range', ['fit', '@ok.csv', '--out', '@m', '--columns', '0,7'], /'--columns'.*7/, 2],
  ['fit: a column twice', ['fit', '@ok.csv', '--out', '@m', '--columns', 'x,x'], /'--columns' must be each column at most once; got "x" twice/, 2],
  ['fit: --out is a file', ['fit', '@ok.csv', '--out', '@ok.csv', '--steps', '1', '--no-report'], /ok\.csv.*could not be written \(a file is in the way of a directory on the path\)/, 1],
  ['fit: missing test file', ['fit', '@ok.csv', '--out', '@m', '--test', '@missing-test.csv'], /missing-test\.csv/, 1],
  ['demo: --steps 0', ['demo', '--steps', '0', '--out', '@d'], /--steps <n>.*'0' is invalid/, 2],
];

/** Run `tasks` with at most `limit` in flight. */
async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return out;
}

describe('command line', () => {
  it(`${CASES.length} bad invocations: exit code 2 (usage) or 1 (runtime), one error line naming the problem, no stack trace`, async () => {
    const results = await pool(CASES.map(([, args]) => () => runCli(args.map((a) => (a.startsWith('@') ? p(a.slice(1)) : a)))), 4);
    CASES.forEach(([name, , pattern, code], i) => {
      const r = results[i];
      const lines = r.stderr.trim().split('\n');
      expect(r.code, `${name}: ${r.stderr}`).toBe(code);
      expect(lines[0], name).toMatch(/^error: /);
      expect(lines[0], name).toMatch(pattern);
      expect(r.stderr, name).not.toMatch(/\n\s+at /);
      expect(lines.length, name).toBeLessThanOrEqual(2);
    });
  });
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  console.log(`bad-input catalogue (command line): ${CASES.length} cases`);
});
