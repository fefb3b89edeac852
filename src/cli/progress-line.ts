/**
 * One status line on standard error, redrawn in place while a long job runs (reading a large CSV,
 * evaluating or sampling millions of rows): only on a terminal, and only after the first second, so
 * short runs, pipes and logs see nothing.
 */

/** Delay before the first draw and between draws (ms). */
const DELAY = 1000;
const EVERY = 250;

export interface ProgressLine {
  stop(): void;
}

const quiet: ProgressLine = { stop() {} };

/** Redraw `render()` every quarter second after the first second, if `enabled` and stderr is a terminal. */
export function progressLine(render: () => string, enabled = true): ProgressLine {
  const err = process.stderr;
  if (!enabled || !err.isTTY) return quiet;
  let drawn = false;
  const draw = () => {
    const width = err.columns ?? 80;
    err.write(`\r\x1b[K${render().slice(0, width - 1)}`);
    drawn = true;
  };
  let timer: NodeJS.Timeout | null = null;
  const first = setTimeout(() => {
    draw();
    timer = setInterval(draw, EVERY);
    timer.unref();
  }, DELAY);
  first.unref();
  return {
    stop() {
      clearTimeout(first);
      if (timer) clearInterval(timer);
      if (drawn) err.write('\r\x1b[K');
    },
  };
}

const count = (n: number) => n.toLocaleString('en-US');
const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;

/** `verb label: 1,234 rows (12.3 MB of 45.6 MB, 27%), 120,000 rows/s`. */
export function rowsText(verb: string, rows: number, started: number, bytes?: { done: number; total: number | null }, totalRows?: number): string {
  const seconds = (performance.now() - started) / 1000;
  const rate = seconds > 0 ? ` ${count(Math.round(rows / seconds))} rows/s` : '';
  if (totalRows !== undefined) {
    const f = Math.min(1, rows / totalRows);
    const bar = '█'.repeat(Math.round(f * 20)).padEnd(20, '░');
    const left = f > 0 ? `, ${Math.round((seconds * (1 - f)) / f)} s left` : '';
    return `${verb} ${bar} ${(f * 100).toFixed(0)}% ${count(rows)}/${count(totalRows)} rows,${rate}${left}`;
  }
  const of = bytes ? (bytes.total ? ` (${mb(bytes.done)} of ${mb(bytes.total)}, ${((100 * bytes.done) / bytes.total).toFixed(0)}%)` : ` (${mb(bytes.done)})`) : '';
  return `${verb}: ${count(rows)} rows${of},${rate}`;
}
