/**
 * Tabular benchmark (issue 15): test NLL, in nats per row, of every flow family on real tables from
 * `vega-datasets` and on two synthetic sets with a known density, next to a full-covariance Gaussian
 * and a Gaussian mixture (EM, components chosen on validation NLL) fitted on the same rows.
 *
 *     npm run bench:tabular                                     # everything (≈ 30–40 min on 2 cores)
 *     npm run bench:tabular -- --quick                          # smoke test: tiny budgets, capped rows
 *     npm run bench:tabular -- --sets penguins,cars --families nsf,maf --configs library
 *     npm run bench:tabular -- --out out/tabular.json           # also write the JSON to a file
 *
 * Options: `--sets a,b` (see bench/tabular-data.ts: penguins, cars, seattle-weather, earthquakes,
 * movies, zipcodes, flights, synthetic-8d, synthetic-32d), `--families` (nsf, nsf-ar, maf, realnvp;
 * `none` for the baselines only),
 * `--configs` (library: `fit(flow, train, { validationData, seed })` with the builder's and `fit`'s
 * defaults; cli: the `tfjs-flows fit` command with its defaults, spawned on CSV files), `--seed`,
 * `--tail-bound B` (NSF's spline interval instead of its default, for studies), `--steps N` (overrides the default budget of both configs, for budget studies; omit it to measure
 * the defaults), `--max-train-rows` (default 50,000: only flights is larger; its extra training rows are dropped, its
 * validation and test rows are kept), `--gmm-grid 1,2,4,8,16`, `--quick`.
 *
 * Splits are fixed (seeded 80/10/10, bench/tabular-data.ts). The CLI splits its own validation rows
 * out of the rows it is given, so it receives train ∪ validation with `--val` set to the same
 * fraction, and the test rows as a separate file (`--test test.csv`): its test NLL is on the same rows.
 *
 * Output: JSON on stdout (per set: rows, columns, the two baselines, every flow's test and validation
 * NLL and wall time, and for the synthetic sets the exact entropy and the gap per dimension); a short
 * table on stderr while it runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Flow, backendName, fit, maskedAutoregressiveFlow, neuralSplineFlow, ready, realNVP, tf } from '../src/index.js';
import { meanNll } from '../src/train/fit.js';
import { fitGaussian } from '../src/stats/gaussian.js';
import { selectGaussianMixture } from '../src/stats/gaussian-mixture.js';
import { SETS, type Split, type TabularSet, splitSet } from './tabular-data.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** `--tail-bound B` (NSF only): the spline interval [−B, B] instead of the builder's default. */
let tailBound: number | null = null;
const tail = () => (tailBound === null ? {} : { tailBound });
const tailFlag = () => (tailBound === null ? [] : ['--tail-bound', String(tailBound)]);

const FAMILIES = {
  nsf: { label: 'NSF coupling', build: (dim: number, seed: number) => neuralSplineFlow({ dim, seed, ...tail() }), cli: ['--flow', 'nsf'], nsf: true },
  'nsf-ar': { label: 'NSF autoregressive', build: (dim: number, seed: number) => neuralSplineFlow({ dim, seed, autoregressive: true, ...tail() }), cli: ['--flow', 'nsf', '--autoregressive'], nsf: true },
  maf: { label: 'MAF', build: (dim: number, seed: number) => maskedAutoregressiveFlow({ dim, seed }), cli: ['--flow', 'maf'], nsf: false },
  realnvp: { label: 'RealNVP', build: (dim: number, seed: number) => realNVP({ dim, seed }), cli: ['--flow', 'realnvp'], nsf: false },
} as const;
type Family = keyof typeof FAMILIES;
const CONFIGS = ['library', 'cli'] as const;
type Config = (typeof CONFIGS)[number];

interface Args {
  sets: string[];
  families: Family[];
  configs: Config[];
  seed: number;
  quick: boolean;
  maxTrainRows: number;
  gmmGrid: number[];
  out: string | null;
  /** Override the default number of steps (both configs), for budget studies; null = the defaults. */
  steps: number | null;
  /** Override the default standardisation (both configs), for comparisons; null = the defaults. */
  standardize: 'whiten' | 'columns' | null;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { sets: Object.keys(SETS), families: Object.keys(FAMILIES) as Family[], configs: [...CONFIGS], seed: 1, quick: false, maxTrainRows: 50_000, gmmGrid: [1, 2, 4, 8, 16], out: null, steps: null, standardize: null };
  const list = (v: string | undefined, known: string[], flag: string) => {
    const items = (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const bad = items.filter((s) => !known.includes(s));
    if (items.length === 0 || bad.length) throw new Error(`${flag}: expected a comma-separated list of ${known.join(', ')}; got ${v}`);
    return items;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--sets') args.sets = list(next(), Object.keys(SETS), a);
    else if (a === '--families') args.families = list(next(), [...Object.keys(FAMILIES), 'none'], a).filter((f) => f !== 'none') as Family[];
    else if (a === '--configs') args.configs = list(next(), [...CONFIGS], a) as Config[];
    else if (a === '--seed') args.seed = Number(next());
    else if (a === '--quick') args.quick = true;
    else if (a === '--max-train-rows') args.maxTrainRows = Number(next());
    else if (a === '--gmm-grid') args.gmmGrid = next().split(',').map(Number);
    else if (a === '--out') args.out = next();
    else if (a === '--steps') args.steps = Number(next());
    else if (a === '--standardize') args.standardize = list(next(), ['whiten', 'columns'], a)[0] as 'whiten' | 'columns';
    else if (a === '--tail-bound') {
      tailBound = Number(next());
      if (!(tailBound > 0)) throw new Error(`--tail-bound: expected a positive number; got ${tailBound}`);
    }
    else throw new Error(`unknown option ${a} (see the comment at the top of bench/tabular.ts)`);
  }
  if (args.steps !== null && !(Number.isInteger(args.steps) && args.steps > 0)) throw new Error(`--steps: expected a positive integer; got ${args.steps}`);
  if (args.quick) {
    args.steps = QUICK_STEPS;
    args.maxTrainRows = Math.min(args.maxTrainRows, 2000);
    args.gmmGrid = args.gmmGrid.filter((k) => k <= 2);
  }
  return args;
}

const QUICK_STEPS = 30;
const round = (v: number, digits = 4) => Number(v.toFixed(digits));
const log = (line: string) => process.stderr.write(`${line}\n`);

function meanOf(lp: Float64Array): number {
  let s = 0;
  for (const v of lp) s -= v;
  return s / lp.length;
}

function capTrain(split: Split, dim: number, max: number): Split {
  if (split.nTrain <= max) return split;
  return { ...split, train: split.train.slice(0, max * dim), nTrain: max };
}

/** Train one family through the library's `fit` with its defaults; test NLL on the split's test rows. */
async function runLibrary(family: Family, set: TabularSet, split: Split, args: Args) {
  const { dim } = set;
  const flow: Flow = FAMILIES[family].build(dim, args.seed);
  try {
    const started = performance.now();
    const history = await fit(
      flow,
      { data: Float32Array.from(split.train), shape: [split.nTrain, dim] },
      {
        validationData: { data: Float32Array.from(split.validation), shape: [split.nValidation, dim] },
        seed: args.seed,
        progress: false,
        ...(args.steps !== null ? { steps: args.steps } : {}),
        ...(args.standardize !== null ? { standardize: args.standardize } : {}),
      },
    );
    const nll = async (values: Float64Array, n: number) => {
      const x = tf.tensor2d(Float32Array.from(values), [n, dim]);
      try {
        return await meanNll(flow, x, null);
      } finally {
        x.dispose();
      }
    };
    const test = await nll(split.test, split.nTest);
    const validation = await nll(split.validation, split.nValidation);
    return {
      test: round(test),
      validation: round(validation),
      steps: history.steps.length,
      epochs: history.epochs,
      stopReason: history.stopReason,
      restoredBest: history.restoredBest,
      bestStep: history.bestStep ?? null,
      seconds: round((performance.now() - started) / 1000, 1),
    };
  } finally {
    flow.dispose();
  }
}

function writeCsv(path: string, values: Float64Array, n: number, dim: number): void {
  const lines = [Array.from({ length: dim }, (_, j) => `c${j}`).join(',')];
  for (let i = 0; i < n; i++) lines.push(Array.from(values.subarray(i * dim, (i + 1) * dim)).join(','));
  writeFileSync(path, `${lines.join('\n')}\n`);
}

/** Train one family through `tfjs-flows fit` (spawned, the CLI's defaults); test NLL on the same test rows. */
function runCli(family: Family, set: TabularSet, split: Split, args: Args) {
  const { dim } = set;
  const dir = mkdtempSync(join(tmpdir(), 'tabular-bench-'));
  try {
    const trainVal = new Float64Array(split.train.length + split.validation.length);
    trainVal.set(split.train);
    trainVal.set(split.validation, split.train.length);
    const nTrainVal = split.nTrain + split.nValidation;
    writeCsv(join(dir, 'train.csv'), trainVal, nTrainVal, dim);
    writeCsv(join(dir, 'test.csv'), split.test, split.nTest, dim);
    const cliArgs = [
      '--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'fit', join(dir, 'train.csv'),
      '--out', join(dir, 'model'), ...FAMILIES[family].cli, ...(FAMILIES[family].nsf ? tailFlag() : []),
      '--val', String(split.nValidation / nTrainVal), '--test', join(dir, 'test.csv'),
      '--seed', String(args.seed), '--no-report', '--no-progress',
      ...(args.steps !== null ? ['--steps', String(args.steps)] : []),
      ...(args.standardize !== null ? ['--standardize', args.standardize] : []),
    ];
    const started = performance.now();
    const run = spawnSync(process.execPath, cliArgs, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 24 });
    const seconds = round((performance.now() - started) / 1000, 1);
    if (run.status !== 0) return { error: `exit ${run.status}: ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' | ')}`, seconds };
    const m = JSON.parse(readFileSync(join(dir, 'model', 'metrics.json'), 'utf8')) as Record<string, unknown>;
    return {
      test: m.testNll as number,
      validation: m.validationNll as number,
      steps: m.steps as number,
      epochs: m.epochs as number,
      stopReason: m.stopReason as string,
      restoredBest: m.restoredBest as boolean,
      bestStep: m.bestStep as number | null,
      seconds,
      stdout: run.stdout.trim().split('\n').slice(0, 3).join(' | '),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  await ready();
  const started = performance.now();
  const results: Record<string, unknown>[] = [];
  for (const name of args.sets) {
    const set = SETS[name]();
    const { dim } = set;
    const full = splitSet(set);
    const split = capTrain(full, dim, args.maxTrainRows);
    log(`\n${name}: ${set.n} rows × ${dim} columns (train ${split.nTrain}${split.nTrain < full.nTrain ? ` of ${full.nTrain}` : ''}, validation ${split.nValidation}, test ${split.nTest})`);

    let t = performance.now();
    const gauss = fitGaussian(split.train, split.nTrain, dim, { shrinkage: 'auto' });
    const gaussian = { test: round(gauss.meanNll(split.test, split.nTest)), validation: round(gauss.meanNll(split.validation, split.nValidation)), shrinkage: round(gauss.shrinkage, 5), seconds: round((performance.now() - t) / 1000, 2) };
    log(`  Gaussian            test ${gaussian.test.toFixed(4)}`);
    t = performance.now();
    const sel = selectGaussianMixture(split.train, split.nTrain, split.validation, split.nValidation, dim, { grid: args.gmmGrid, seed: args.seed, maxIterations: args.quick ? 20 : 100, tolerance: 1e-4 });
    const gmm = {
      test: round(sel.best.meanNll(split.test, split.nTest)),
      validation: round(sel.best.meanNll(split.validation, split.nValidation)),
      components: sel.components,
      candidates: sel.candidates.map((c) => ({ components: c.components, validation: round(c.validationNll), iterations: c.iterations })),
      seconds: round((performance.now() - t) / 1000, 1),
    };
    log(`  Gaussian mixture    test ${gmm.test.toFixed(4)} (K = ${gmm.components}, ${gmm.seconds} s)`);
    let truth: Record<string, number> | null = null;
    if (set.truth) {
      const testNll = meanOf(set.truth.logProb(split.test, split.nTest));
      truth = { entropy: round(set.truth.entropy), testNll: round(testNll) };
      log(`  true density        test ${testNll.toFixed(4)} (entropy ${set.truth.entropy.toFixed(4)})`);
    }
    const flows: Record<string, unknown> = {};
    for (const family of args.families) {
      for (const config of args.configs) {
        const key = `${family}/${config}`;
        const r = config === 'library' ? await runLibrary(family, set, split, args) : runCli(family, set, split, args);
        const test = 'test' in r ? (r.test as number) : null;
        const extra: Record<string, unknown> = {};
        if (test !== null) {
          extra.minusGaussian = round(test - gaussian.test);
          extra.minusMixture = round(test - gmm.test);
          if (truth) {
            extra.gapPerDim = round((test - truth.testNll) / dim);
            extra.gapToEntropyPerDim = round((test - truth.entropy) / dim);
          }
        }
        flows[key] = { ...r, ...extra };
        log(`  ${FAMILIES[family].label.padEnd(19)} ${config.padEnd(7)} ${test === null ? `failed: ${(r as { error: string }).error}` : `test ${test.toFixed(4)} (Gaussian ${(test - gaussian.test >= 0 ? '+' : '') + (test - gaussian.test).toFixed(3)}, mixture ${(test - gmm.test >= 0 ? '+' : '') + (test - gmm.test).toFixed(3)}${truth ? `, gap/dim ${((test - truth.testNll) / dim).toFixed(4)}` : ''}) ${r.steps ?? '?'} steps, ${r.seconds} s`}`);
      }
    }
    results.push({
      name,
      source: set.source,
      columns: set.columns,
      dim,
      rows: { total: set.n, train: split.nTrain, trainBeforeCap: full.nTrain, validation: split.nValidation, test: split.nTest },
      dequantized: set.dequantized,
      gaussian,
      gaussianMixture: gmm,
      ...(truth ? { truth: { ...truth, note: set.truth!.note } } : {}),
      flows,
    });
  }
  const report = {
    benchmark: 'tabular (issue 15)',
    units: 'mean negative log-likelihood on the test rows, nats per row, in data units (after the stated preprocessing)',
    backend: backendName(),
    quick: args.quick,
    steps: args.steps ?? 'defaults',
    nsfTailBound: tailBound ?? 'default',
    seed: args.seed,
    maxTrainRows: args.maxTrainRows,
    gmmGrid: args.gmmGrid,
    totalSeconds: round((performance.now() - started) / 1000, 1),
    sets: results,
  };
  const text = `${JSON.stringify(report, null, 2)}\n`;
  process.stdout.write(text);
  if (args.out) writeFileSync(args.out, text);
}

await main();
