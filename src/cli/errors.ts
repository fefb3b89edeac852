/**
 * How the command line ends on an error: one line on stderr (`error: …`, as commander's own) and an
 * exit code, never a stack trace.
 * 0: success; 1: runtime error (unreadable or bad data, a file that cannot be written, training that
 * failed, or a bug, which also asks to be reported); 2: usage error (bad options or arguments, as
 * commander and POSIX tools do); 130: interrupted (Ctrl-C or SIGTERM).
 */
import { CommanderError } from 'commander';
import { FlowError, ValidationError } from '../errors.js';
import { INTERRUPTED_EXIT, Interrupted } from './interrupt.js';

/** Exit codes of `tfjs-flows`. */
export const EXIT = { ok: 0, runtime: 1, usage: 2, interrupted: INTERRUPTED_EXIT } as const;

/** The exit codes as `--help` and the README state them. */
export const EXIT_HELP = 'Exit status: 0 success, 1 runtime error (bad or unreadable data, a file that cannot be written, failed training), 2 usage error (bad options or arguments), 130 interrupted (Ctrl-C or SIGTERM; fit saves first).';

/** Print `error` on `write` (stderr) and return the exit code. */
export function reportError(error: unknown, write: (line: string) => void): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (or the help, or the version).
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof Interrupted) {
    write(`${error.message}\n`);
    return EXIT.interrupted;
  }
  if (error instanceof FlowError) {
    write(`error: ${firstLine(error.message)}\n`);
    // A bad argument (the command's options, or columns that do not exist) is a usage error; a bad file, a failed run are not.
    return error instanceof ValidationError ? EXIT.usage : EXIT.runtime;
  }
  const message = error instanceof Error ? error.message : String(error);
  write(`error: unexpected: ${firstLine(message)}\n`);
  write('This is a bug in tfjs-flows; please report it with the command you ran (set TFJS_FLOWS_DEBUG=1 for the stack trace).\n');
  if (process.env.TFJS_FLOWS_DEBUG && error instanceof Error && error.stack) write(`${error.stack}\n`);
  return EXIT.runtime;
}

function firstLine(message: string): string {
  const lines = message.split('\n');
  return lines.length > 1 ? `${lines[0]} …` : message;
}
