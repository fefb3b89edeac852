/**
 * A progress bar for training runs (steps, loss, validation loss, steps/s, ETA), drawn with
 * `cli-progress` on an interactive terminal only: silent when the stream is not a TTY (logs, CI, pipes,
 * browsers) or when the caller passes `progress: false`. Loaded lazily so browser bundles never pull it in.
 */

/** What the loop reports after each step. */
export interface ProgressState {
  step: number;
  totalSteps: number | null;
  loss: number;
  validationLoss?: number;
}

export interface ProgressReporter {
  /** Whether anything is drawn. */
  readonly active: boolean;
  update(state: ProgressState): void;
  /** Draw the final state and release the terminal line. */
  stop(): void;
}

const silent: ProgressReporter = { active: false, update() {}, stop() {} };

/** A writable stream as `cli-progress` uses it. */
export interface ProgressStream {
  isTTY?: boolean;
  write(chunk: string): unknown;
}

const fmt = (x: number | undefined) => (x === undefined ? '–' : Math.abs(x) >= 1e4 ? x.toExponential(3) : x.toFixed(4));

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

/**
 * A reporter for `totalSteps` steps (`null` if unknown) on `stream` (default `process.stderr`), or a
 * silent one when `enabled` is false or the stream is not a TTY.
 */
export async function createProgress(enabled: boolean | undefined, totalSteps: number | null, stream?: ProgressStream): Promise<ProgressReporter> {
  const out = stream ?? (globalThis as { process?: { stderr?: ProgressStream } }).process?.stderr;
  if (enabled === false || !out?.isTTY) return silent;
  let cliProgress: typeof import('cli-progress');
  try {
    // A variable specifier keeps bundlers from pulling cli-progress (and Node's readline, events) into browser builds.
    const name = 'cli-progress';
    const mod = (await import(/* @vite-ignore */ name)) as typeof import('cli-progress');
    // A CommonJS package: Node puts module.exports on `default`.
    cliProgress = (mod as unknown as { default?: typeof import('cli-progress') }).default ?? mod;
  } catch {
    return silent;
  }
  const known = totalSteps !== null;
  const format = `${known ? '{bar} {value}/{total}' : 'step {value}'} | loss {loss} | val {val} | {speed} steps/s${known ? ' | ETA {remaining}' : ''}`;
  const bar = new cliProgress.SingleBar(
    { format, stream: out as NodeJS.WritableStream, hideCursor: true, barsize: 24, fps: 10, noTTYOutput: false },
    cliProgress.Presets.shades_classic,
  );
  const start = Date.now();
  let smoothed: number | undefined;
  let lastDraw = 0;
  let last: ProgressState | null = null;
  bar.start(totalSteps ?? 0, 0, { loss: '–', val: '–', speed: '–', remaining: '–' });
  const draw = (s: ProgressState) => {
    const elapsed = (Date.now() - start) / 1000;
    const speed = elapsed > 0 ? s.step / elapsed : 0;
    const eta = known && speed > 0 ? (totalSteps - s.step) / speed : NaN;
    bar.update(s.step, { loss: fmt(smoothed), val: fmt(s.validationLoss), speed: speed.toFixed(1), remaining: formatEta(eta) });
  };
  return {
    active: true,
    update(s) {
      // An exponential moving average over ~50 steps: the per-batch loss is too noisy to read.
      smoothed = smoothed === undefined || !Number.isFinite(smoothed) ? s.loss : 0.98 * smoothed + 0.02 * s.loss;
      last = s;
      const now = Date.now();
      if (now - lastDraw >= 100) {
        lastDraw = now;
        draw(s);
      }
    },
    stop() {
      if (last) draw(last);
      bar.stop();
    },
  };
}
