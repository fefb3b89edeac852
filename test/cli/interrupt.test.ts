/**
 * Interrupts and atomic writes, with real child processes and real signals: Ctrl-C (SIGINT) or SIGTERM
 * during `fit` saves the best weights so far and exits 130; a second Ctrl-C exits at once; an
 * interrupted `logprob --out` leaves the old file; and writers killed (SIGKILL) at random moments
 * leave every file either old or new, never truncated.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/index.js';
import { loadFlow } from '../../src/node.js';
import { runCli } from './run-cli.js';
import { startCli } from './run-cli-io.js';

const dir = mkdtempSync(join(tmpdir(), 'tfjs-flows-cli-interrupt-'));
const p = (f: string) => join(dir, f);
const small = ['--flow', 'maf', '--layers', '1', '--hidden', '4', '--no-progress'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rows(n: number, seed: number): string {
  const rng = new Rng(seed);
  return `a,b\n${Array.from({ length: n }, () => `${rng.normal().toFixed(4)},${rng.normal().toFixed(4)}`).join('\n')}\n`;
}

beforeAll(() => {
  writeFileSync(p('train.csv'), rows(400, 1));
});

describe('Ctrl-C and SIGTERM during fit', () => {
  it.concurrent.each(['SIGINT', 'SIGTERM'] as const)('%s: stops after the current step, saves the best weights and the metrics, one line, exit 130', async (sig) => {
    const out = p(`run-${sig}`);
    const run = startCli(['fit', p('train.csv'), '--steps', '10000000', '--val', '0.2', '--batch-size', '64', ...small, '--out', out]);
    await run.waitFor(/fitting maf/);
    await sleep(1500);
    run.child.kill(sig);
    const r = await run.done;
    expect(r.code).toBe(130);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    const m = lines[0].match(new RegExp(`^interrupted \\(${sig}\\) at step (\\d+): wrote the best weights \\(validation NLL (-?[\\d.]+) at step (\\d+)\\), the metrics and the report to `));
    expect(m, r.stderr).not.toBeNull();
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.stopReason).toBe('aborted');
    expect(metrics.steps).toBe(Number(m![1]));
    expect(metrics.bestStep).toBe(Number(m![3]));
    expect(metrics.steps).toBeLessThan(10000000);
    // The model holds the best weights: its validation NLL is the best one seen.
    expect(metrics.validationNll).toBeCloseTo(Number(m![2]), 3);
    const flow = await loadFlow(join(out, 'flow.json'));
    flow.dispose();
    expect(existsSync(join(out, 'report.html'))).toBe(true);
  }, 120_000);

  it.concurrent('a second Ctrl-C exits at once, without saving', async () => {
    const out = p('run-twice');
    const run = startCli(['fit', p('train.csv'), '--steps', '10000000', '--val', '0.2', ...small, '--out', out]);
    await run.waitFor(/fitting maf/);
    await sleep(500);
    run.child.kill('SIGINT');
    await sleep(100);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/SIGINT again: exiting at once/);
    expect(r.stderr).not.toMatch(/wrote/);
  }, 120_000);
});

describe('an interrupted logprob --out', () => {
  it('leaves the old output file as it was, and no temporary file', async () => {
    const out = p('lp-dir/lp.csv');
    mkdirSync(p('lp-dir'));
    writeFileSync(out, 'old\n');
    const model = p('model');
    expect((await runCli(['fit', p('train.csv'), '--steps', '2', ...small, '--no-report', '--out', model])).code).toBe(0);
    const run = startCli(['logprob', model, '-', '--out', out]);
    run.child.stdin!.write(rows(9000, 2));
    // The temporary output file appears once the command is reading (signal handlers are in place by then).
    while (!readdirSync(p('lp-dir')).some((f) => f.endsWith('.tmp'))) await sleep(100);
    run.child.kill('SIGINT');
    await sleep(300);
    run.child.stdin!.end(rows(9000, 3).replace(/^a,b\n/, ''));
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/^interrupted \(SIGINT\) after \d+ rows: .*lp\.csv left as it was\n$/);
    expect(readFileSync(out, 'utf8')).toBe('old\n');
    expect(readdirSync(p('lp-dir'))).toEqual(['lp.csv']);
  }, 120_000);
});

describe('atomic writes', () => {
  it('a writer killed at random moments leaves each file whole: the old one or the new one', async () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const target = p('atomic');
    mkdirSync(target);
    const rng = new Rng(5);
    const generations = new Set<number>();
    for (let round = 0; round < 4; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/cli/fixtures/atomic-writer-child.ts', target], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()));
      await sleep(200 + rng.uniform() * 1000);
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      if (existsSync(join(target, 'flow.json'))) {
        const flow = await loadFlow(join(target, 'flow.json'));
        flow.dispose();
        generations.add(JSON.parse(readFileSync(join(target, 'flow.json'), 'utf8')).metadata.k);
      }
      if (existsSync(join(target, 'rows.csv'))) {
        const lines = readFileSync(join(target, 'rows.csv'), 'utf8').split('\n');
        expect(lines[0]).toBe('k,i');
        expect(lines).toHaveLength(20_000 + 2); // header, rows, and the empty string after the last newline
        expect(new Set(lines.slice(1, -1).map((l) => l.split(',')[0])).size).toBe(1);
      }
      if (existsSync(join(target, 'metrics.json'))) expect(JSON.parse(readFileSync(join(target, 'metrics.json'), 'utf8')).padding).toHaveLength(500_000);
    }
    // The writer got far enough to replace the files several times.
    expect(generations.size).toBeGreaterThan(1);
  }, 240_000);
});
