/**
 * Large-input benchmark of the command line (issue 17): peak resident memory and rows per second of
 * reading a CSV (the library's streaming reader), `logprob` and `sample`, at 10⁵, 10⁶ and 10⁷ rows of 8
 * columns, as JSON. Each measurement is a child process (its peak RSS from `process.resourceUsage()`
 * at exit); the CSV is generated on the fly into the child's standard input, never stored. Memory
 * should be flat in the row count: `peakRssGrowthMB` is the peak RSS at the largest size minus that at
 * the second largest, and `memoryFlat` says whether every growth is below a quarter of what holding
 * the added rows as float32 would cost (72 MB from 10⁶ to 10⁷ rows of 8 columns). It is meaningful
 * when the second largest size is past the warm-up (10⁶ rows or more): below that, peak RSS is still
 * rising to its steady state.
 *
 *     npm run bench:io                          # 1e5, 1e6, 1e7 rows (several minutes: logprob of 1e7 rows is ~2 CPU-minutes for NSF)
 *     npm run bench:io -- --sizes 1e5,1e6       # shorter
 *     npm run bench:io -- --flow realnvp        # the model evaluated (default nsf, the fit default)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { neuralSplineFlow, ready, realNVP } from '../src/index.js';
import { saveFlow } from '../src/node.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const COLS = 8;

function parseArgs(argv: string[]): { sizes: number[]; flow: 'nsf' | 'realnvp' } {
  const out = { sizes: [1e5, 1e6, 1e7], flow: 'nsf' as 'nsf' | 'realnvp' };
  for (let i = 0; i < argv.length; i += 2) {
    const [key, value] = [argv[i], argv[i + 1]];
    if (key === '--sizes') out.sizes = value.split(',').map(Number);
    else if (key === '--flow' && (value === 'nsf' || value === 'realnvp')) out.flow = value;
    else throw new Error(`bench/io: unknown option ${key} ${value ?? ''} (--sizes 1e5,1e6, --flow nsf|realnvp)`);
  }
  if (!out.sizes.every((n) => Number.isInteger(n) && n > 0)) throw new Error(`bench/io: --sizes must be positive integers; got ${out.sizes}`);
  return out;
}

/** A pool of distinct rows, cycled: the text is realistic (5 decimals, signs) and cheap to make. */
function rowPool(): string[] {
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: 4096 }, () => `${Array.from({ length: COLS }, () => ((rand() + rand() + rand() - 1.5) * 2).toFixed(5)).join(',')}\n`);
}

interface Measure {
  task: string;
  rows: number;
  seconds: number;
  cpuSeconds: number;
  /** Rows over the wall time, process start-up included. */
  rowsPerSecond: number;
  /** Rows over the child's CPU time (steadier than wall time on a shared machine). */
  rowsPerCpuSecond: number;
  peakRssMB: number;
}

/** Run `args` under node with the RSS probe; feed `rows` generated CSV rows on its stdin when `feed`. */
async function measure(task: string, rows: number, args: string[], feed: boolean, work: string): Promise<Measure> {
  const rssFile = join(work, `${task}-${rows}.json`);
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', './bench/io/rss-probe.mjs', ...args], {
    cwd: ROOT,
    env: { ...process.env, BENCH_RSS_FILE: rssFile },
    stdio: [feed ? 'pipe' : 'ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  if (feed) {
    const pool = rowPool();
    const input = child.stdin!;
    input.on('error', () => undefined);
    input.write(`${Array.from({ length: COLS }, (_, j) => `x${j + 1}`).join(',')}\n`);
    for (let i = 0; i < rows; ) {
      let block = '';
      for (let k = 0; k < 2048 && i < rows; k++, i++) block += pool[i & 4095];
      if (!input.write(block)) await new Promise((r) => input.once('drain', r));
    }
    input.end();
  }
  const code = await exited;
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`bench/io: ${task} at ${rows} rows exited with ${code}`);
  const usage = JSON.parse(readFileSync(rssFile, 'utf8')) as { maxRssKB: number; userSeconds: number; systemSeconds: number };
  const m = {
    task, rows, seconds: Number(seconds.toFixed(2)), cpuSeconds: Number((usage.userSeconds + usage.systemSeconds).toFixed(2)),
    rowsPerSecond: Math.round(rows / seconds), rowsPerCpuSecond: Math.round(rows / (usage.userSeconds + usage.systemSeconds)), peakRssMB: Number((usage.maxRssKB / 1024).toFixed(1)),
  };
  process.stderr.write(`${JSON.stringify(m)}\n`);
  return m;
}

const { sizes, flow: kind } = parseArgs(process.argv.slice(2));
await ready();
const work = mkdtempSync(join(tmpdir(), 'tfjs-flows-bench-io-'));
try {
  const flow = kind === 'nsf' ? neuralSplineFlow({ dim: COLS, seed: 1 }) : realNVP({ dim: COLS, activation: 'relu', seed: 1 });
  const model = join(work, 'flow.json');
  await saveFlow(flow, model);
  flow.dispose();
  const results: Measure[] = [];
  for (const rows of sizes) {
    results.push(await measure('read', rows, ['bench/io/read-child.ts'], true, work));
    results.push(await measure('logprob', rows, ['src/cli/main.ts', 'logprob', model, '-', '--no-progress'], true, work));
    results.push(await measure('sample', rows, ['src/cli/main.ts', 'sample', model, '-n', String(rows), '--no-progress'], false, work));
  }
  // Peak RSS rises over the first 10⁵–10⁶ rows to a steady state (V8's heap sized by the churn of short-lived strings, the
  // Buffers of read chunks collected lazily, the allocator keeping its pages), then stays flat. Flat in the row count means
  // no term in n: from the second largest size to the largest, peak RSS grows by less than a quarter of what holding the
  // added rows as float32 would cost (72 MB from 10⁶ to 10⁷ rows of 8 columns; as text, several times more).
  const sorted = [...sizes].sort((a, b) => a - b);
  const [mid, hi] = sorted.length > 1 ? sorted.slice(-2) : [sorted[0], sorted[0]];
  const lo = sorted[0];
  const at = (task: string, n: number) => results.find((r) => r.task === task && r.rows === n)!.peakRssMB;
  const tasks = ['read', 'logprob', 'sample'];
  const ratio = Object.fromEntries(tasks.map((t) => [t, Number((at(t, hi) / at(t, lo)).toFixed(3))]));
  const growth = Object.fromEntries(tasks.map((t) => [t, Number((at(t, hi) - at(t, mid)).toFixed(1))]));
  const addedMB = ((hi - mid) * COLS * 4) / 1e6;
  console.log(JSON.stringify({
    benchmark: 'io', columns: COLS, flow: kind, cpus: cpus().length, loadAverage: loadavg().map((v) => Number(v.toFixed(2))),
    results, peakRssRatioLargestOverSmallest: ratio, peakRssGrowthMB: { from: mid, to: hi, ...growth }, float32SizeOfAddedRowsMB: addedMB,
    memoryFlat: Object.values(growth).every((g) => g < 0.25 * addedMB),
  }, null, 2));
} finally {
  rmSync(work, { recursive: true, force: true });
}
