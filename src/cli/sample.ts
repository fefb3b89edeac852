/** `tfjs-flows sample DIR -n 1000`: draw seeded samples of a saved flow as CSV, streamed in chunks. */
import type { Command } from 'commander';
import { ValidationError } from '../errors.js';
import { Rng } from '../random.js';
import { Interrupted, watchInterrupts } from './interrupt.js';
import { CHUNK } from './logprob.js';
import { openModel } from './model-dir.js';
import { csvLines, headerLine, openSink } from './output.js';
import { integer, numbers, seed } from './parse.js';
import { progressLine, rowsText } from './progress-line.js';

interface SampleFlags {
  n: number;
  seed: number | string;
  context?: number[];
  out?: string;
  progress: boolean;
}

export function registerSample(program: Command): void {
  program
    .command('sample')
    .summary('draw samples of a saved flow as CSV')
    .description(
      'Draw n samples of a saved flow (same seed, same samples, however they are chunked) and write them as CSV under the training column names; ' +
        'a conditional flow takes one --context vector, written as extra columns. Samples are drawn and written in chunks: memory stays flat for any n.',
    )
    .argument('<model>', 'model directory written by `tfjs-flows fit` (or its flow.json)')
    .option('-n, --n <count>', 'number of samples', integer(1), 1000)
    .option('--seed <seed>', 'seed of the samples', seed, 0)
    .option('--context <values>', 'context vector of a conditional flow, e.g. 0.5 or 1,-2', numbers)
    .option('--out <file.csv>', 'output file, replaced atomically at the end (default: standard output)')
    .option('--no-progress', 'no progress bar (it is only drawn on a terminal anyway)')
    .action(async (model: string, flags: SampleFlags) => {
      await runSample(model, flags);
    });
}

async function runSample(model: string, flags: SampleFlags): Promise<void> {
  const watch = watchInterrupts();
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
    // One generator for every chunk: its draws run on as if the n rows were drawn at once.
    const rng = new Rng(flags.seed);
    const sink = await openSink(flags.out);
    const started = performance.now();
    let done = 0;
    const line = progressLine(() => rowsText('sample', done, started, undefined, flags.n), flags.progress);
    try {
      await sink.write(headerLine([...layout.columns, ...layout.contextColumns]));
      while (done < flags.n && !watch.signal.aborted) {
        const k = Math.min(CHUNK, flags.n - done);
        const x = flow.sample(k, { seed: rng, ...(flags.context ? { context: [flags.context] } : {}) });
        let values: Float32Array;
        try {
          values = (await x.data()) as Float32Array;
        } finally {
          x.dispose();
        }
        await sink.write(csvLines(values, k, flow.dim, flags.context ?? []));
        done += k;
      }
    } catch (e) {
      await sink.abort();
      throw e;
    } finally {
      line.stop();
    }
    if (done < flags.n) {
      await sink.abort();
      throw new Interrupted(`interrupted (${watch.received}) after ${done} of ${flags.n} samples: ${flags.out ? `${flags.out} left as it was` : 'the output is incomplete'}`);
    }
    await sink.commit();
    if (flags.out) console.log(`wrote ${flags.n} samples to ${flags.out}`);
  } finally {
    watch.dispose();
    flow.dispose();
  }
}
