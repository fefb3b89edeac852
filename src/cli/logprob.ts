/**
 * `tfjs-flows logprob DIR data.csv`: the log-density of every row of a CSV file (or of standard input,
 * `-`) under a saved flow, streamed: rows are read, evaluated and written in chunks, so memory stays
 * flat however long the input.
 */
import type { Command } from 'commander';
import { tf } from '../backend.js';
import type { CsvChunk } from '../data/csv-reader.js';
import type { Flow } from '../flow.js';
import { Interrupted, watchInterrupts } from './interrupt.js';
import { openModel } from './model-dir.js';
import { csvLines, openSink } from './output.js';
import { columnList, delimiter } from './parse.js';
import { progressLine, rowsText } from './progress-line.js';
import { type CsvFlags, openLikeLayout, openTable } from './table.js';

interface LogProbFlags extends CsvFlags {
  out?: string;
  columns?: string[];
  contextColumns?: string[];
  progress: boolean;
}

/**
 * Rows read, evaluated and written per step: bounds the memory of the rows and results in flight
 * (`Flow.logProb` bounds its intermediate tensors itself, in chunks sized from the layer widths).
 */
export const CHUNK = 8192;

/** log p(x) of the rows of `chunk`, in data units. */
export async function logProbChunk(flow: Flow, chunk: CsvChunk): Promise<Float32Array> {
  const lp = tf.tidy(() => {
    const x = tf.tensor2d(chunk.x, [chunk.n, flow.dim]);
    const c = chunk.context ? tf.tensor2d(chunk.context, [chunk.n, flow.contextDim]) : undefined;
    return flow.logProb(x, c);
  });
  try {
    return (await lp.data()) as Float32Array;
  } finally {
    lp.dispose();
  }
}

export function registerLogProb(program: Command): void {
  program
    .command('logprob')
    .summary('log-density of each row of a CSV file under a saved flow')
    .description(
      'Write log p(x) (nats, in data units) of every row of a CSV file under a saved flow, as a CSV column log_prob, in the order of the rows.\n' +
        'Columns are picked by the names the model was trained on when the file has a header, else by position. ' +
        'Rows are streamed in chunks: memory stays flat for any number of rows.',
    )
    .argument('<model>', 'model directory written by `tfjs-flows fit` (or its flow.json)')
    .argument('<data.csv>', 'CSV file of rows to evaluate; - reads standard input')
    .option('--out <file.csv>', 'output file, replaced atomically at the end (default: standard output)')
    .option('--columns <list>', 'data columns by name or 0-based index (default: those of the training file)', columnList)
    .option('--context-columns <list>', 'context columns by name or index (default: those of the training file)', columnList)
    .option('--delimiter <char>', "field delimiter: one character, or 'tab' (default: detected, ',' ';' or tab)", delimiter)
    .option('--header', 'the first line names the columns (default: detected, a header has a non-numeric cell)')
    .option('--no-header', 'the first line is data')
    .option('--no-progress', 'no progress line (it is only drawn on a terminal anyway)')
    .action(async (model: string, data: string, flags: LogProbFlags) => {
      await runLogProb(model, data, flags);
    });
}

async function runLogProb(model: string, data: string, flags: LogProbFlags): Promise<void> {
  const watch = watchInterrupts();
  const { flow, layout } = await openModel(model);
  try {
    const csv: CsvFlags = { delimiter: flags.delimiter, header: flags.header };
    const { reader, selection } = flags.columns || flags.contextColumns
      ? await openTable('tfjs-flows logprob', data, flags.columns ?? layout.columns, flags.contextColumns ?? layout.contextColumns, csv)
      : await openLikeLayout(data, layout, csv);
    const sink = await openSink(flags.out);
    const started = performance.now();
    const line = progressLine(() => rowsText('logprob', reader.rows, started, { done: reader.bytes, total: reader.totalBytes }), flags.progress);
    let sum = 0;
    let rows = 0;
    let stopped = false;
    try {
      await sink.write('log_prob\n');
      for await (const chunk of reader.chunks(selection, CHUNK)) {
        // flow.logProb checks the widths and names the mismatch.
        const lp = await logProbChunk(flow, chunk);
        for (let i = 0; i < lp.length; i++) sum += lp[i];
        rows += chunk.n;
        await sink.write(csvLines(lp, chunk.n, 1));
        if (watch.signal.aborted) {
          stopped = true;
          break;
        }
      }
    } catch (e) {
      await sink.abort();
      throw e;
    } finally {
      line.stop();
    }
    if (stopped) {
      await sink.abort();
      throw new Interrupted(`interrupted (${watch.received}) after ${rows} rows: ${flags.out ? `${flags.out} left as it was` : 'the output is incomplete'}`);
    }
    await sink.commit();
    if (flags.out) console.log(`wrote ${rows} log-densities to ${flags.out} (mean ${(sum / rows).toFixed(4)} nats)`);
  } finally {
    watch.dispose();
    flow.dispose();
  }
}
