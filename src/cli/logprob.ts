/** `tfjs-flows logprob DIR data.csv`: the log-density of every row of a CSV file under a saved flow. */
import type { Command } from 'commander';
import { tf } from '../backend.js';
import type { Flow } from '../flow.js';
import { openModel } from './model-dir.js';
import { columnList } from './parse.js';
import { readLikeLayout, readTable, type Table, toCsv, writeOutput } from './table.js';

interface LogProbFlags {
  out?: string;
  columns?: string[];
  contextColumns?: string[];
}

/** Rows per `logProb` call (bounds the memory of the intermediate tensors). */
const CHUNK = 8192;

/** log p(x) of every row of `table`, in data units. */
export function logProbRows(flow: Flow, table: Table): Float32Array {
  const out = new Float32Array(table.n);
  for (let from = 0; from < table.n; from += CHUNK) {
    const rows = Math.min(CHUNK, table.n - from);
    const lp = tf.tidy(() => {
      const x = tf.tensor2d(table.x.subarray(from * table.dim, (from + rows) * table.dim), [rows, table.dim]);
      const c = table.context ? tf.tensor2d(table.context.subarray(from * table.contextDim, (from + rows) * table.contextDim), [rows, table.contextDim]) : undefined;
      return flow.logProb(x, c);
    });
    out.set(lp.dataSync(), from);
    lp.dispose();
  }
  return out;
}

export function registerLogProb(program: Command): void {
  program
    .command('logprob')
    .summary('log-density of each row of a CSV file under a saved flow')
    .description(
      'Write log p(x) (nats, in data units) of every row of a CSV file under a saved flow, as a CSV column log_prob.\n' +
        'Columns are picked by the names the model was trained on when the file has a header, else by position.',
    )
    .argument('<model>', 'model directory written by `tfjs-flows fit` (or its flow.json)')
    .argument('<data.csv>', 'CSV file of rows to evaluate')
    .option('--out <file.csv>', 'output file (default: standard output)')
    .option('--columns <list>', 'data columns by name or 0-based index (default: those of the training file)', columnList)
    .option('--context-columns <list>', 'context columns by name or index (default: those of the training file)', columnList)
    .action(async (model: string, data: string, flags: LogProbFlags) => {
      const { flow, layout } = await openModel(model);
      try {
        const table = flags.columns || flags.contextColumns
          ? (await readTable('tfjs-flows logprob', data, flags.columns ?? layout.columns, flags.contextColumns ?? layout.contextColumns)).table
          : await readLikeLayout(data, layout);
        // flow.logProb checks the widths and names the mismatch.
        const lp = logProbRows(flow, table);
        await writeOutput(flags.out, toCsv(['log_prob'], (i) => [lp[i]], table.n));
        if (flags.out) {
          const mean = lp.reduce((s, v) => s + v, 0) / table.n;
          console.log(`wrote ${table.n} log-densities to ${flags.out} (mean ${mean.toFixed(4)} nats)`);
        }
      } finally {
        flow.dispose();
      }
    });
}
