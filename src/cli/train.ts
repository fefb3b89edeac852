/**
 * One training run of the command line (`fit` and `demo`): build the flow, fit it, measure the mean
 * NLL of every split with the final weights, and write the model directory
 * (`flow.json` with the metrics as metadata, `metrics.json`, `report.html`).
 */
import { join } from 'node:path';
import { backendName, tf } from '../backend.js';
import type { Flow, Standardization } from '../flow.js';
import { saveFlow } from '../io/flow-file.js';
import { writeTextAtomic } from '../io/text-file.js';
import type { StreamBatch } from '../train/fit-data.js';
import type { JsonObject, JsonValue } from '../module.js';
import { fit, meanNll } from '../train/fit.js';
import type { FitHistory } from '../train/history.js';
import type { LearningRate } from '../train/schedule.js';
import { VERSION } from '../version.js';
import { buildFlow, type FlowSpec, specToJson } from './build-flow.js';
import type { ColumnLayout, Table } from './table.js';
import { defaultPatience, defaultSteps, defaultValidateEvery } from '../train/defaults.js';
import { addUniformNoise } from '../train/dequantize.js';
import { type StandardizeMode, whiteningShrinkage } from '../train/standardization.js';
import { gaussianBaseline } from '../stats/baseline.js';
import { Rng } from '../random.js';

/** Files of a model directory. */
export const FILES = { flow: 'flow.json', metrics: 'metrics.json', report: 'report.html' } as const;

export interface Splits {
  train: Table;
  validation: Table | null;
  test: Table | null;
}

export interface TrainSettings {
  steps?: number;
  epochs?: number;
  batchSize: number;
  learningRate: LearningRate;
  /** Early stopping: a patience, `'default'` (the CLI's rule, see `cliPatience`) or `null` (off). */
  patience?: number | 'default' | null;
  seed: number | string;
  progress: boolean;
  weightDecay?: number;
  /** Dequantise the integer-valued columns (`fit`'s `dequantize: 'auto'`). */
  dequantize?: boolean;
  /** The standardisation `fit` installs, or `false` for none (default: fit's). */
  standardize?: StandardizeMode | boolean;
  /** Stops training at the end of the current step (the best validation weights so far are kept). */
  signal?: AbortSignal;
  /**
   * Training batches streamed from a file (`fit --stream`) instead of `splits.train`, which then holds
   * a sample of the training rows (for the metrics and the report); `trainRows`: how many rows the
   * stream holds; `standardize`: the statistics to install (or `false`).
   */
  stream?: { batches: AsyncIterable<StreamBatch>; trainRows: number; standardize: Standardization | false };
}

/** Steps between validations of a streamed run (`fit`'s default for streams, see `FitOptions.validateEvery`). */
const STREAM_VALIDATE_EVERY = 100;

/**
 * The CLI's early stopping: always on when there are validation rows (unlike `fit`, which turns it
 * on only for runs long relative to the data), with `fit`'s patience rule (train/defaults.ts).
 */
export function cliPatience(trainRows: number, settings: Pick<TrainSettings, 'steps' | 'epochs' | 'batchSize'>, streamed = false): number | null {
  const stepsPerEpoch = streamed ? Math.ceil(trainRows / settings.batchSize) : Math.floor(trainRows / Math.min(settings.batchSize, trainRows));
  const totalSteps = settings.steps ?? (settings.epochs !== undefined ? settings.epochs * stepsPerEpoch : defaultSteps(stepsPerEpoch));
  // A stream is validated every STREAM_VALIDATE_EVERY steps (fit's default for streams).
  return defaultPatience(totalSteps, stepsPerEpoch, streamed ? STREAM_VALIDATE_EVERY : defaultValidateEvery(stepsPerEpoch, totalSteps), true);
}

/** A copy of `table` with `U[0, 1)` noise on `columns` (seeded): the rows a dequantised flow is scored on. */
function dequantizedTable(table: Table | null, columns: number[], seed: string): Table | null {
  if (!table || columns.length === 0) return table;
  return { ...table, x: addUniformNoise(table.x.slice(), table.n, table.dim, columns, new Rng(seed)) };
}

export interface TrainResult {
  flow: Flow;
  history: FitHistory;
  /** The content of `metrics.json`. */
  metrics: JsonObject;
}

/** Mean NLL (nats per row, data units) of `table` under `flow`, or null without rows. */
export async function tableNll(flow: Flow, table: Table | null): Promise<number | null> {
  if (!table) return null;
  const x = tf.tensor2d(table.x, [table.n, table.dim]);
  const c = table.context ? tf.tensor2d(table.context, [table.n, table.contextDim]) : null;
  try {
    return await meanNll(flow, x, c);
  } finally {
    tf.dispose(c ? [x, c] : [x]);
  }
}

const round = (v: number | null, digits = 6): number | null => (v === null ? null : Number(v.toFixed(digits)));

/**
 * Build and fit the flow of `spec` on `splits.train` (validating on `splits.validation`), then
 * measure. `options` (the command's options as given) and `data` (where the rows came from) are
 * copied into the metrics.
 */
export async function trainFlow(spec: FlowSpec, splits: Splits, settings: TrainSettings, info: { options: JsonObject; data: JsonObject }): Promise<TrainResult> {
  const started = performance.now();
  const flow = buildFlow(spec);
  try {
    const { validation } = splits;
    const train = splits.train;
    const { stream } = settings;
    const patience = settings.patience === 'default' ? (validation ? cliPatience(stream ? stream.trainRows : train.n, settings, stream !== undefined) : null) : settings.patience;
    const toMatrix = (t: Table, values: Float32Array, cols: number) => ({ data: values, shape: [t.n, cols] as const });
    const history = await fit(flow, stream ? stream.batches : toMatrix(train, train.x, train.dim), {
      ...(settings.steps !== undefined ? { steps: settings.steps } : {}),
      ...(settings.epochs !== undefined ? { epochs: settings.epochs } : {}),
      batchSize: settings.batchSize,
      learningRate: settings.learningRate,
      seed: settings.seed,
      progress: settings.progress,
      ...(train.context && !stream ? { context: toMatrix(train, train.context, train.contextDim) } : {}),
      ...(settings.signal ? { signal: settings.signal } : {}),
      // Snapshots of the best weights, so that an interrupted run keeps the best so far.
      ...(validation ? { restoreBest: true } : {}),
      ...(validation
        ? { validationData: validation.context ? { x: toMatrix(validation, validation.x, validation.dim), context: toMatrix(validation, validation.context, validation.contextDim) } : toMatrix(validation, validation.x, validation.dim) }
        : {}),
      ...(patience !== undefined ? { patience } : {}),
      ...(settings.weightDecay ? { weightDecay: settings.weightDecay } : {}),
      ...(settings.dequantize ? { dequantize: 'auto' as const } : {}),
      ...(stream ? { standardize: stream.standardize } : settings.standardize !== undefined ? { standardize: settings.standardize } : {}),
    });
    // A dequantised flow is scored on dequantised rows (one seeded draw): the bound of dequantize.ts.
    const noisy = history.dequantized ?? [];
    const scored = {
      train: dequantizedTable(train, noisy, `${settings.seed}/dequantize/train`)!,
      validation: dequantizedTable(splits.validation, noisy, `${settings.seed}/dequantize/validation`),
      test: dequantizedTable(splits.test, noisy, `${settings.seed}/dequantize/test`),
    };
    const nll = { train: await tableNll(flow, scored.train), validation: await tableNll(flow, scored.validation), test: await tableNll(flow, scored.test) };
    const split = (t: Table | null) => (t ? { values: t.x, n: t.n } : null);
    // The full-covariance Gaussian on the same rows: what the flow has to beat (conditional flows: not comparable).
    const gaussian = train.contextDim === 0 && train.n >= 2
      ? gaussianBaseline(split(scored.train)!, train.dim, { validation: split(scored.validation), test: split(scored.test) }, { shrinkage: whiteningShrinkage(train.n, train.dim) })
      : null;
    // log p_std(u) = log p(x) + Σ log std: the figure comparable across datasets of different scales.
    const sumLogStd = flow.standardization ? flow.standardization.std.reduce((s, v) => s + Math.log(v), 0) : null;
    const std = (v: number | null) => (v === null || sumLogStd === null ? null : v - sumLogStd);
    const metrics: JsonObject = {
      trainNll: round(nll.train),
      validationNll: round(nll.validation),
      testNll: round(nll.test),
      units: 'mean negative log-likelihood in nats per row, in data units',
      standardizedNll: { train: round(std(nll.train)), validation: round(std(nll.validation)), test: round(std(nll.test)) },
      rows: { train: splits.train.n, validation: splits.validation?.n ?? 0, test: splits.test?.n ?? 0 },
      steps: history.steps.length,
      epochs: history.epochs,
      gaussianBaseline: gaussian === null
        ? null
        : gaussian.ok
          ? { trainNll: round(gaussian.train), validationNll: round(gaussian.validation), testNll: round(gaussian.test), shrinkage: round(gaussian.shrinkage) }
          : { error: gaussian.reason },
      ...(noisy.length > 0 ? { dequantizedColumns: noisy, dequantization: 'NLLs of x + U[0, 1) on the dequantised columns: upper bounds on the discrete NLL' } : {}),
      ...(history.warnings ? { warnings: history.warnings } : {}),
      standardization: history.standardization ?? 'none',
      gaussianFallback: history.gaussianFallback !== undefined,
      bestStep: history.bestStep ?? null,
      restoredBest: history.restoredBest,
      stopReason: history.stopReason,
      wallTime: round(history.wallTime, 3),
      totalTime: round((performance.now() - started) / 1000, 3),
      stepsPerSecond: round(history.stepsPerSecond, 2),
      backend: backendName(),
      libraryVersion: VERSION,
      parameters: flow.trainableVariables.reduce((s, v) => s + v.size, 0),
      flow: specToJson(spec),
      data: info.data,
      options: info.options,
    };
    return { flow, history, metrics };
  } catch (e) {
    flow.dispose();
    throw e;
  }
}

/** Write `flow.json` (with the metrics and the column layout as metadata) and `metrics.json` into `dir`. */
export async function saveRun(dir: string, result: TrainResult, layout: ColumnLayout): Promise<void> {
  const { metrics } = result;
  const metadata: JsonObject = {
    createdBy: 'tfjs-flows fit',
    flow: metrics.flow,
    layout: layout as unknown as JsonValue,
    metrics: { trainNll: metrics.trainNll, validationNll: metrics.validationNll, testNll: metrics.testNll, steps: metrics.steps, backend: metrics.backend },
  };
  await saveFlow(result.flow, join(dir, FILES.flow), { metadata });
  await writeTextAtomic(join(dir, FILES.metrics), `${JSON.stringify(metrics, null, 2)}\n`);
}
