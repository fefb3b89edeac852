/** `tfjs-flows fit data.csv --out DIR`: fit a flow to the rows of a CSV file and write the model directory. */
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { ready } from '../backend.js';
import { ValidationError } from '../errors.js';
import { cosineDecay } from '../train/schedule.js';
import { DEFAULT_LAYERS, FLOW_KINDS, type FlowKind, type FlowSpec } from './build-flow.js';
import { EXIT_HELP } from './errors.js';
import { Interrupted, watchInterrupts } from './interrupt.js';
import { checkOutDir, removeStale } from './model-dir.js';
import { columnList, delimiter, fraction, integer, nonNegativeNumber, positiveNumber, seed, sizes } from './parse.js';
import type { JsonObject } from '../module.js';
import type { Normalization } from '../flows/options.js';
import { defaultHiddenWidth } from '../train/defaults.js';
import { writeReport } from './report.js';
import { checkFitInput, type FitInputFlags, readFitInput } from './fit-input.js';
import { SHUFFLE_BUFFER } from './stream-fit.js';
import { FILES, saveRun, trainFlow } from './train.js';

/** The command's flags: those that say how the data is read and split (`FitInputFlags`) and the training ones. */
interface FitFlags extends FitInputFlags {
  flow: FlowKind;
  layers?: number;
  hidden?: number[];
  bins?: number;
  tailBound?: number;
  autoregressive?: boolean;
  normalization?: Normalization;
  steps?: number;
  epochs?: number;
  lr: number;
  schedule: 'constant' | 'cosine';
  patience?: number;
  earlyStopping: boolean;
  weightDecay?: number;
  dequantize?: boolean;
  out: string;
  force?: boolean;
  report: boolean;
}

/** Two hidden layers of {@link defaultHiddenWidth}. */
function defaultHidden(rows: number, dim: number): number[] {
  const h = defaultHiddenWidth(rows, dim);
  return [h, h];
}

/** The NLL lines beside the Gaussian baseline's: "validation  flow 18.9 nats, Gaussian 19.8 nats (better by 0.9)". */
function nllTable(m: JsonObject): string {
  const g = m.gaussianBaseline as JsonObject | null;
  const lines = ['mean NLL (nats per row, lower is better):'];
  for (const [name, key] of [['train', 'trainNll'], ['validation', 'validationNll'], ['test', 'testNll']] as const) {
    const flow = m[key];
    if (typeof flow !== 'number') continue;
    const base = g && typeof g[key] === 'number' ? (g[key] as number) : null;
    const verdict = base === null ? '' : `, Gaussian ${base.toFixed(4)} (${flow <= base ? `flow better by ${(base - flow).toFixed(4)}` : `Gaussian better by ${(flow - base).toFixed(4)}`})`;
    lines.push(`  ${name.padEnd(10)} flow ${flow.toFixed(4)}${verdict}`);
  }
  if (g && typeof g.error === 'string') lines.push(`  (no Gaussian baseline: ${g.error})`);
  return lines.join('\n');
}

/** `--test`: a fraction of the rows, or a CSV file of test rows. */
function testOption(value: string): string {
  return value;
}

export function registerFit(program: Command): void {
  program
    .command('fit')
    .summary('fit a flow to the rows of a CSV file')
    .description(
      'Fit a normalizing flow to the numeric rows of a CSV file by maximum likelihood (Adam), in standardised coordinates.\n' +
        `Writes DIR/${FILES.flow} (the model, with its metrics as metadata), DIR/${FILES.metrics} and DIR/${FILES.report}; ` +
        'an earlier model in DIR is replaced only with --force.\n' +
        'The file is read once, as a stream, into memory (up to --max-rows rows); with --stream it is not held at all: ' +
        'it is read once to scan it, then once per epoch through a shuffle buffer.\n' +
        'Ctrl-C (or SIGTERM) stops at the end of the current step, keeps the best weights so far, writes the model and metrics and exits 130; ' +
        'a second Ctrl-C exits at once.\n' +
        EXIT_HELP,
    )
    .usage('<data.csv> --out <dir> [options]')
    .argument('<data.csv>', 'CSV file (- reads standard input); a first line with any non-numeric cell is a header')
    .requiredOption('--out <dir>', 'directory to write the model, metrics and report into (required)')
    .option('--force', 'replace an earlier model in --out (all of its files: no stale report is left)')
    .addOption(new Option('--flow <kind>', 'flow family: nsf (neural spline), realnvp, maf (masked autoregressive), planar').choices(FLOW_KINDS).default('nsf'))
    .option('--layers <n>', `flow layers (default: ${Object.entries(DEFAULT_LAYERS).map(([k, v]) => `${k} ${v}`).join(', ')})`, integer(1))
    .option('--hidden <sizes>', 'hidden layer sizes of the conditioner networks, e.g. 64,64 (default: two layers of the power of 2 nearest √(training rows), from 16 up to 64, or up to 4 × columns for wide tables, at most 256; not for planar)', sizes)
    .option('--bins <n>', 'spline bins (nsf only; default 8)', integer(2))
    .option('--tail-bound <b>', 'splines act on [-b, b] of the standardised data, identity outside (nsf only; default 8)', positiveNumber)
    .option('--autoregressive', 'masked autoregressive splines instead of spline couplings (nsf only)')
    .addOption(new Option('--normalization <kind>', 'a normalisation layer between flow layers: none, actnorm, batchnorm (default none; batchnorm often helps maf on tables: docs/defaults.md)').choices(['none', 'actnorm', 'batchnorm']))
    .option('--steps <n>', 'optimisation steps (default: 40 passes over the training rows, at least 1000, at most 5000; 1000 with --stream)', integer(1))
    .option('--epochs <n>', 'passes over the training rows, instead of --steps', integer(1))
    .option('--batch-size <n>', 'rows per step', integer(1), 256)
    .option('--lr <rate>', 'Adam learning rate', positiveNumber, 1e-3)
    .addOption(new Option('--schedule <kind>', 'learning-rate schedule: constant, or cosine decay from --lr to 0').choices(['constant', 'cosine']).default('constant'))
    .option('--val <fraction>', 'fraction of the rows held out for validation (0: none)', fraction, 0.1)
    .option('--test <fraction|file>', 'fraction of the rows held out for the test NLL (0: none), or a CSV file of test rows (- reads standard input)', testOption, '0.1')
    .option('--patience <n>', 'early stopping: stop after n validations without improvement (default: a fifth of the planned validations, at least 10); the best validation weights are kept either way', integer(1))
    .option('--no-early-stopping', 'train for every planned step (the best validation weights are still kept)')
    .option('--weight-decay <lambda>', 'decoupled weight decay (AdamW) of every weight, per unit learning rate (default 0)', nonNegativeNumber)
    .option('--dequantize', 'fit integer-valued columns as x + U[0,1) (counts, ratings): the reported NLLs are then upper bounds on the discrete NLL (not with --stream)')
    .addOption(new Option('--standardize <kind>', 'data-side standardisation: auto (whiten below 30 training rows per column, else columns), whiten (full-covariance Gaussian fit, the flow starts there), columns (per-column mean and sd), none').choices(['auto', 'whiten', 'columns', 'none']).default('auto'))
    .option('--seed <seed>', 'seed of the split, the initial weights and the batch order', seed, 0)
    .option('--columns <list>', 'data columns by name or 0-based index, e.g. x,y (default: all but the context columns)', columnList)
    .option('--context-columns <list>', 'context columns of a conditional flow, by name or index (default: none)', columnList)
    .option('--delimiter <char>', "field delimiter: one character, or 'tab' (default: detected, ',' ';' or tab)", delimiter)
    .option('--header', 'the first line names the columns (default: detected, a header has a non-numeric cell)')
    .option('--no-header', 'the first line is data')
    .option('--max-rows <n>', 'most rows held in memory; past it fit stops and suggests --stream (default: from the machine\'s memory)', integer(1))
    .option('--stream', 'train without holding the file: scan it once, then read it once per epoch through a shuffle buffer (needs a file, not -)')
    .option('--shuffle-buffer <rows>', 'rows of the shuffle buffer of --stream', integer(1), SHUFFLE_BUFFER)
    .option('--no-report', `skip ${FILES.report}`)
    .option('--no-progress', 'no progress bar (it is only drawn on a terminal anyway)')
    .action(async (file: string, flags: FitFlags) => {
      await runFit(file, flags);
    });
}

async function runFit(file: string, flags: FitFlags): Promise<void> {
  const fn = 'tfjs-flows fit';
  if (flags.steps !== undefined && flags.epochs !== undefined) throw new ValidationError(fn, '--steps/--epochs', 'one of them, not both', `--steps ${flags.steps} --epochs ${flags.epochs}`);
  if (flags.patience !== undefined && flags.val === 0) throw new ValidationError(fn, '--patience', 'given with validation rows (--val > 0)', '--val 0');
  if (flags.patience !== undefined && !flags.earlyStopping) throw new ValidationError(fn, '--patience', 'absent with --no-early-stopping', `--patience ${flags.patience}`);
  if (flags.dequantize && flags.stream) throw new ValidationError(fn, '--dequantize', 'absent with --stream (dequantisation needs the rows in memory)', '--stream');
  checkFitInput(fn, file, flags);
  const earlier = await checkOutDir(fn, flags.out, flags.force ?? false);
  // For the rest of the command: the first Ctrl-C stops reading or training and saves, a second exits.
  const watch = watchInterrupts();
  await ready();
  const { splits, layout, testFile, stream, streamInfo } = await readFitInput(fn, file, flags, watch.signal);

  const spec: FlowSpec = {
    kind: flags.flow,
    dim: layout.columns.length,
    contextDim: layout.contextColumns.length,
    layers: flags.layers,
    // Conditioner width from the data's size and dimension unless given (train/defaults.ts).
    hidden: flags.hidden ?? (flags.flow === 'planar' ? undefined : defaultHidden(streamInfo ? streamInfo.train : splits.train.n, layout.columns.length)),
    bins: flags.bins,
    tailBound: flags.tailBound,
    autoregressive: flags.autoregressive,
    normalization: flags.normalization,
    seed: flags.seed,
  };
  const held = (t: { n: number } | null) => t?.n ?? 0;
  console.log(`fitting ${spec.kind} to ${streamInfo ? `${streamInfo.train} streamed` : held(splits.train)} training rows (validation ${held(splits.validation)}, test ${held(splits.test)}); Ctrl-C stops after the current step and saves`);
  const options = Object.fromEntries(Object.entries({ ...flags, data: file }).filter(([, v]) => v !== undefined)) as Record<string, string | number | boolean | number[] | string[]>;
  const result = await trainFlow(
    spec,
    splits,
    {
      steps: flags.steps ?? (stream && flags.epochs === undefined ? 1000 : undefined),
      epochs: flags.epochs,
      batchSize: flags.batchSize,
      learningRate: flags.schedule === 'cosine' ? cosineDecay(flags.lr) : flags.lr,
      patience: !flags.earlyStopping ? null : flags.patience ?? 'default',
      seed: `${flags.seed}/fit`,
      progress: flags.progress,
      weightDecay: flags.weightDecay,
      dequantize: flags.dequantize,
      standardize: flags.standardize === 'none' ? false : flags.standardize === 'auto' ? true : flags.standardize,
      signal: watch.signal,
      stream,
    },
    { options, data: { file, testFile, columns: layout.columns, contextColumns: layout.contextColumns, ...(streamInfo ? { stream: streamInfo } : {}) } },
  );
  try {
    if (watch.received && result.history.steps.length === 0) throw new Interrupted(`interrupted (${watch.received}) before the first step: nothing written`);
    const written = [FILES.flow, FILES.metrics, ...(flags.report ? [FILES.report] : [])];
    await removeStale(flags.out, earlier, written);
    await saveRun(flags.out, result, layout);
    const m = result.metrics;
    const show = (v: unknown) => (typeof v === 'number' ? v.toFixed(4) : '–');
    for (const w of result.history.warnings ?? []) console.warn(`warning: ${w.replace(/consider dequantize: 'auto'$/, 'consider --dequantize')}`);
    const stop = m.stopReason === 'early-stopping' ? ` (stopped early; best validation at step ${m.bestStep})` : '';
    console.log(`${spec.kind}: ${m.steps} steps in ${(m.wallTime as number).toFixed(1)} s on ${m.backend}${stop}; ${m.restoredBest ? 'kept the best validation weights' : 'kept the last weights'}`);
    const fallback = result.history.gaussianFallback;
    if (fallback) console.log(`the full-covariance Gaussian validated better than the trained flow (${fallback.gaussianLoss.toFixed(4)} against ${fallback.flowLoss.toFixed(4)} nats per row): kept the Gaussian. Train longer, or pass --standardize whiten to train from it.`);
    console.log(nllTable(m));
    if (flags.report) {
      await writeReport(join(flags.out, FILES.report), {
        flow: result.flow,
        data: splits.train,
        history: result.history,
        columns: layout.columns,
        title: `tfjs-flows fit ${file} (${spec.kind}): test NLL ${show(m.testNll)} nats`,
      });
    }
    if (watch.received) {
      const h = result.history;
      const kept = h.bestStep !== undefined ? `the best weights (validation NLL ${show(h.bestLoss)} at step ${h.bestStep})` : 'the weights of the last step (no validation rows)';
      throw new Interrupted(`interrupted (${watch.received}) at step ${h.steps.length}: wrote ${kept}, the metrics${flags.report ? ' and the report' : ''} to ${flags.out}`);
    }
    console.log(`wrote ${written.map((f) => join(flags.out, f)).join(', ')}`);
  } finally {
    result.flow.dispose();
  }
}
