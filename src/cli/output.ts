/**
 * Where `logprob` and `sample` write their rows, chunk by chunk: standard output (with back-pressure,
 * so a slow reader downstream bounds memory), or a file written atomically (a temporary file renamed
 * over the target at the end: an interrupted command leaves the old file or none, never half of one).
 */
import { once } from 'node:events';
import { stringify } from 'csv-stringify/sync';
import { openAtomic } from '../io/atomic-writer.js';
import { STDIN } from '../data/csv-reader.js';
import { formatValue } from './table.js';

export interface RowSink {
  write(text: string): Promise<void>;
  /** Make the output final (a file: rename it into place). */
  commit(): Promise<void>;
  /** Drop the output (a file: the target is left as it was). */
  abort(): Promise<void>;
}

/** A sink for `path`, or for standard output when `path` is undefined or `-`. */
export async function openSink(path: string | undefined): Promise<RowSink> {
  if (path === undefined || path === STDIN) {
    const out = process.stdout;
    return {
      async write(text) {
        if (!out.write(text)) await once(out, 'drain');
      },
      async commit() {},
      async abort() {},
    };
  }
  return openAtomic(path);
}

/** The CSV header line of `names` (quoted where a name needs it). */
export function headerLine(names: string[]): string {
  return stringify([names]);
}

/** CSV lines of `n` rows of `values` (`[n, cols]`, row-major), each followed by the constant cells `extra`. */
export function csvLines(values: ArrayLike<number>, n: number, cols: number, extra: number[] = []): string {
  const tail = extra.length > 0 ? `,${extra.map(formatValue).join(',')}` : '';
  const lines = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    let line = formatValue(values[i * cols]);
    for (let j = 1; j < cols; j++) line += `,${formatValue(values[i * cols + j])}`;
    lines[i] = line + tail;
  }
  return n > 0 ? `${lines.join('\n')}\n` : '';
}
