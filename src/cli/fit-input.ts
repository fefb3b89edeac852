/**
 * The rows `fit` trains on, read once from a CSV file or standard input: held in memory (up to
 * `--max-rows`) and split with the seed, or, with `--stream`, planned for training from the file
 * without holding it (see `stream-fit.ts`).
 */
import { ValidationError } from '../errors.js';
import { STDIN } from '../data/csv-reader.js';
import { splitRows } from './split.js';
import { fitRowLimit, planStream } from './stream-fit.js';
import { type ColumnLayout, type CsvFlags, openTable, readAll, readLikeLayout } from './table.js';
import type { StandardizeMode } from '../train/standardization.js';
import type { Splits, TrainSettings } from './train.js';

export interface FitInputFlags {
  val: number;
  test: string;
  seed: number | string;
  batchSize: number;
  columns?: string[];
  contextColumns?: string[];
  progress: boolean;
  delimiter?: string;
  header?: boolean;
  maxRows?: number;
  stream?: boolean;
  shuffleBuffer: number;
  standardize: StandardizeMode | 'auto' | 'none';
}

export interface FitInput {
  splits: Splits;
  layout: ColumnLayout;
  /** The test file, or `null` when the test rows are a fraction of the data. */
  testFile: string | null;
  /** With `--stream`: the batches and standardisation for `trainFlow`. */
  stream?: TrainSettings['stream'];
  /** With `--stream`: rows of the file in each split, and the sizes of the samples kept (for the metrics). */
  streamInfo?: Record<string, number>;
}

/** Check the options about the data (before anything is read). */
export function checkFitInput(fn: string, file: string, flags: FitInputFlags): { testFile: string | null; testFraction: number } {
  const testFraction = Number(flags.test);
  const testFile = flags.test.trim() !== '' && Number.isFinite(testFraction) ? null : flags.test;
  if (testFile === null && (testFraction < 0 || testFraction >= 1)) throw new ValidationError(fn, '--test', 'a fraction in [0, 1) or a CSV file', flags.test);
  if (file === STDIN && testFile === STDIN) throw new ValidationError(fn, '--test', 'a file other than standard input (the data are read from it)', '-');
  if (flags.stream && file === STDIN) throw new ValidationError(fn, '<data.csv>', 'a file with --stream (it is read once per epoch; save standard input to a file first)', '-');
  return { testFile, testFraction };
}

/** Read (or, with `--stream`, scan) the data of `fit`; `signal` stops the reading with `Interrupted`. */
export async function readFitInput(fn: string, file: string, flags: FitInputFlags, signal: AbortSignal): Promise<FitInput> {
  const { testFile, testFraction } = checkFitInput(fn, file, flags);
  const csv: CsvFlags = { delimiter: flags.delimiter, header: flags.header };
  const fractions = { validation: flags.val, test: testFile === null ? testFraction : 0 };
  if (!flags.stream) {
    const opened = await openTable(fn, file, flags.columns, flags.contextColumns, csv);
    const columns = opened.selection.indices.length + opened.selection.contextIndices.length;
    const table = await readAll(opened, fitRowLimit(flags.maxRows, columns, file), flags.progress, signal);
    const split = splitRows(table, fractions, `${flags.seed}/split`);
    const layout = opened.layout;
    return { splits: { ...split, test: testFile === null ? split.test : await readLikeLayout(testFile, layout, csv) }, layout, testFile };
  }
  const plan = await planStream(fn, file, {
    columns: flags.columns, contextColumns: flags.contextColumns, csv, ...fractions,
    seed: flags.seed, batchSize: flags.batchSize, shuffleBuffer: flags.shuffleBuffer, progress: flags.progress, signal,
    standardize: flags.standardize === 'none' ? false : flags.standardize,
  });
  const { counts, samples, layout } = plan;
  const streamInfo = { ...counts, trainSample: samples.train.n, validationSample: samples.validation?.n ?? 0, testSample: samples.test?.n ?? 0 };
  console.log(
    `streaming ${file}: ${counts.rows} rows, ${counts.train} for training` +
      (counts.validation ? `, validation on a sample of ${streamInfo.validationSample} of ${counts.validation}` : '') +
      (counts.test ? `, test on a sample of ${streamInfo.testSample} of ${counts.test}` : ''),
  );
  return {
    splits: { ...samples, test: testFile === null ? samples.test : await readLikeLayout(testFile, layout, csv) },
    layout,
    testFile,
    stream: { batches: plan.batches, trainRows: counts.train, standardize: plan.standardize },
    streamInfo,
  };
}
