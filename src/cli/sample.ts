/** `tfjs-flows sample DIR -n 1000`: draw seeded samples of a saved flow as CSV. */
import type { Command } from 'commander';
import { ValidationError } from '../errors.js';
import { openModel } from './model-dir.js';
import { integer, numbers, seed } from './parse.js';
import { toCsv, writeOutput } from './table.js';

interface SampleFlags {
  n: number;
  seed: number | string;
  context?: number[];
  out?: string;
}

export function registerSample(program: Command): void {
  program
    .command('sample')
    .summary('draw samples of a saved flow as CSV')
    .description('Draw n samples of a saved flow (same seed, same samples) and write them as CSV under the training column names; a conditional flow takes one --context vector, written as extra columns.')
    .argument('<model>', 'model directory written by `tfjs-flows fit` (or its flow.json)')
    .option('-n, --n <count>', 'number of samples', integer(1), 1000)
    .option('--seed <seed>', 'seed of the samples', seed, 0)
    .option('--context <values>', 'context vector of a conditional flow, e.g. 0.5 or 1,-2', numbers)
    .option('--out <file.csv>', 'output file (default: standard output)')
    .action(async (model: string, flags: SampleFlags) => {
      const { flow, layout } = await openModel(model);
      try {
        const fn = 'tfjs-flows sample';
        if (flow.contextDim > 0 && flags.context === undefined) {
          throw new ValidationError(fn, '--context', `${flow.contextDim} comma-separated value(s) (${layout.contextColumns.join(', ')}): the flow is conditional`, 'none');
        }
        if (flow.contextDim === 0 && flags.context !== undefined) throw new ValidationError(fn, '--context', 'absent (the flow is unconditional)', flags.context.join(','));
        if (flags.context && flags.context.length !== flow.contextDim) {
          throw new ValidationError(fn, '--context', `${flow.contextDim} value(s) (${layout.contextColumns.join(', ')})`, `${flags.context.length}`);
        }
        const x = flow.sample(flags.n, { seed: flags.seed, ...(flags.context ? { context: [flags.context] } : {}) });
        const values = x.dataSync() as Float32Array;
        x.dispose();
        const ctx = flags.context ?? [];
        const d = flow.dim;
        const text = toCsv([...layout.columns, ...layout.contextColumns], (i) => [...values.subarray(i * d, i * d + d), ...ctx], flags.n);
        await writeOutput(flags.out, text);
        if (flags.out) console.log(`wrote ${flags.n} samples to ${flags.out}`);
      } finally {
        flow.dispose();
      }
    });
}
