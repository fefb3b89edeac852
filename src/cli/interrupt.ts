/**
 * Ctrl-C (SIGINT) and SIGTERM for long commands. The first signal asks the command to stop where it
 * can keep its work (`fit`: at the end of the current step, then it saves; `logprob`, `sample`: after
 * the current chunk); a second one exits at once with code 130. The command then ends with
 * {@link Interrupted}, which `main` prints as one line and turns into exit code 130.
 */

/** Exit code after an interrupt (128 + SIGINT, as shells report it). */
export const INTERRUPTED_EXIT = 130;

/** The end of an interrupted command: `message` is the one line printed; exit code 130. */
export class Interrupted extends Error {
  override name = 'Interrupted';
}

export interface InterruptWatch {
  /** Aborted at the first signal. */
  readonly signal: AbortSignal;
  /** Which signal arrived first, if any. */
  readonly received: NodeJS.Signals | null;
  /** Stop listening (the default handlers come back). */
  dispose(): void;
}

/** Listen for SIGINT and SIGTERM until `dispose()`. */
export function watchInterrupts(): InterruptWatch {
  const controller = new AbortController();
  let received: NodeJS.Signals | null = null;
  const handler = (sig: NodeJS.Signals) => {
    if (received !== null) {
      process.stderr.write(`\n${sig} again: exiting at once, nothing more saved\n`);
      process.exit(INTERRUPTED_EXIT);
    }
    received = sig;
    controller.abort(sig);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
