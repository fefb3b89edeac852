/**
 * Writes the tabular benchmark's splits (bench/tabular.ts) for the PyTorch reference
 * (bench/reference/nflows_tabular.py), so that both sides train, validate and test on the very same rows:
 *
 *     npx tsx bench/reference/export-tabular.ts [--sets synthetic-32d,synthetic-8d] [--seeds 1,2] \
 *         [--max-train-rows 50000] [--out out/reference/tabular]
 *
 * Per set: `<set>-train.csv`, `<set>-validation.csv`, `<set>-test.csv` (the rows bench/tabular.ts passes
 * to `fit` and to the test NLL, as float32: each value written with `String` of its float32, the
 * shortest decimal that reads back to the same float32), and `<set>.json` with
 * - the baselines of bench/tabular.ts on the same rows: the full-covariance Gaussian's test NLL and, for
 *   the synthetic sets, the true density's test NLL and the exact entropy;
 * - `plan`: the budget `fit`'s defaults give these rows (steps, batch size, validation schedule,
 *   patience, standardisation), computed by the library's own functions (src/train/defaults.ts,
 *   src/train/standardization.ts);
 * - `flows[seed][family]`: the layers the library's builder makes with bench/tabular.ts's options
 *   (`neuralSplineFlow({ dim, seed })`, …), listed from the data side as `Chain` lists them, each the
 *   layer's saved config (masks, hidden widths, spline and scale settings, the seeded permutations).
 * Sets: all of bench/tabular-data.ts by default (flights is large: 200,000 rows).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Chain, type Flow, fitGaussian, maskedAutoregressiveFlow, neuralSplineFlow, ready, realNVP } from '../../src/index.js';
import { defaultPatience, defaultSteps, defaultValidateEvery } from '../../src/train/defaults.js';
import { autoStandardizeMode } from '../../src/train/standardization.js';
import { SETS, type Split, splitSet } from '../tabular-data.js';

/** bench/tabular.ts's FAMILIES (library configuration, no `--tail-bound`): keep the two in step. */
const FAMILIES: Record<string, (dim: number, seed: number) => Flow> = {
  nsf: (dim, seed) => neuralSplineFlow({ dim, seed }),
  'nsf-ar': (dim, seed) => neuralSplineFlow({ dim, seed, autoregressive: true }),
  maf: (dim, seed) => maskedAutoregressiveFlow({ dim, seed }),
  realnvp: (dim, seed) => realNVP({ dim, seed }),
};

/** `fit`'s default batch size (src/train/fit.ts). */
const BATCH_SIZE = 256;

function parseArgs(argv: string[]) {
  const args = { sets: Object.keys(SETS), seeds: [1], maxTrainRows: 50_000, out: 'out/reference/tabular' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i] ?? '';
    if (a === '--sets') {
      args.sets = next().split(',').map((s) => s.trim()).filter(Boolean);
      const bad = args.sets.filter((s) => !(s in SETS));
      if (args.sets.length === 0 || bad.length) throw new Error(`--sets: expected a comma-separated list of ${Object.keys(SETS).join(', ')}; got ${args.sets.join(',')}`);
    } else if (a === '--seeds') {
      args.seeds = next().split(',').map(Number);
      if (args.seeds.length === 0 || !args.seeds.every(Number.isInteger)) throw new Error(`--seeds: expected integers such as 1,2; got ${argv[i]}`);
    } else if (a === '--max-train-rows') args.maxTrainRows = Number(next());
    else if (a === '--out') args.out = next();
    else throw new Error(`unknown option ${a} (see the comment at the top of bench/reference/export-tabular.ts)`);
  }
  return args;
}

/** bench/tabular.ts's capTrain: the first `max` training rows (only flights has more than 50,000). */
function capTrain(split: Split, dim: number, max: number): Split {
  if (split.nTrain <= max) return split;
  return { ...split, train: split.train.slice(0, max * dim), nTrain: max };
}

/** The float32 values `fit` receives (bench/tabular.ts passes `Float32Array.from(split.…)`). */
function writeCsv(path: string, values: Float64Array, n: number, dim: number): void {
  const f32 = Float32Array.from(values);
  const lines = [Array.from({ length: dim }, (_, j) => `c${j}`).join(',')];
  for (let i = 0; i < n; i++) lines.push(Array.from(f32.subarray(i * dim, (i + 1) * dim), (v) => String(v)).join(','));
  writeFileSync(path, `${lines.join('\n')}\n`);
}

function meanNll(lp: Float64Array): number {
  let s = 0;
  for (const v of lp) s -= v;
  return s / lp.length;
}

/** The builder's layers from the data side, each as its saved config (weights excluded). */
function layers(flow: Flow): unknown[] {
  const members = flow.bijector instanceof Chain ? flow.bijector.bijectors : [flow.bijector];
  return members.map((b) => b.serialize());
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  await ready();
  mkdirSync(args.out, { recursive: true });
  for (const name of args.sets) {
    const set = SETS[name]();
    const { dim } = set;
    const full = splitSet(set);
    const split = capTrain(full, dim, args.maxTrainRows);
    for (const [part, values, n] of [['train', split.train, split.nTrain], ['validation', split.validation, split.nValidation], ['test', split.test, split.nTest]] as const) {
      writeCsv(join(args.out, `${name}-${part}.csv`), values, n, dim);
    }
    const gauss = fitGaussian(split.train, split.nTrain, dim, { shrinkage: 'auto' });
    const batchSize = Math.min(BATCH_SIZE, split.nTrain);
    const stepsPerEpoch = Math.floor(split.nTrain / batchSize);
    const totalSteps = defaultSteps(stepsPerEpoch);
    const validateEvery = defaultValidateEvery(stepsPerEpoch, totalSteps);
    const flows: Record<string, Record<string, unknown>> = {};
    for (const seed of args.seeds) {
      flows[seed] = {};
      for (const [family, build] of Object.entries(FAMILIES)) {
        const flow = build(dim, seed);
        flows[seed][family] = { layers: layers(flow), base: flow.base.className };
        flow.dispose();
      }
    }
    const doc = {
      set: name,
      columns: set.columns,
      dim,
      rows: { train: split.nTrain, trainBeforeCap: full.nTrain, validation: split.nValidation, test: split.nTest },
      dequantized: set.dequantized,
      gaussian: { test: gauss.meanNll(split.test, split.nTest), validation: gauss.meanNll(split.validation, split.nValidation), shrinkage: gauss.shrinkage },
      ...(set.truth ? { truth: { entropy: set.truth.entropy, testNll: meanNll(set.truth.logProb(split.test, split.nTest)) } } : {}),
      plan: {
        batchSize,
        stepsPerEpoch,
        totalSteps,
        learningRate: 1e-3,
        adam: { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
        validateEvery,
        validateInitial: true,
        patience: defaultPatience(totalSteps, stepsPerEpoch, validateEvery),
        restoreBest: true,
        standardize: autoStandardizeMode(split.nTrain, dim),
        gaussianCandidate: autoStandardizeMode(split.nTrain, dim) === 'columns',
      },
      flows,
    };
    writeFileSync(join(args.out, `${name}.json`), `${JSON.stringify(doc, null, 2)}\n`);
    console.log(`${name}: train ${split.nTrain}, validation ${split.nValidation}, test ${split.nTest} rows × ${dim} → ${args.out}/${name}-*.csv, ${name}.json`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
