/**
 * How the command line ends on an error: one line on stderr (`error: …`, as commander's own) and an
 * exit code, never a stack trace.
 * 1: bad usage or input (commander errors, the library's `FlowError`s); 2: anything unexpected (a bug).
 */
import { CommanderError } from 'commander';
import { FlowError } from '../errors.js';

/** Exit codes of `tfjs-flows`. */
export const EXIT = { ok: 0, usage: 1, unexpected: 2 } as const;

/** Print `error` on `write` (stderr) and return the exit code. */
export function reportError(error: unknown, write: (line: string) => void): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (or the help, or the version).
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof FlowError) {
    write(`error: ${firstLine(error.message)}\n`);
    return EXIT.usage;
  }
  const message = error instanceof Error ? error.message : String(error);
  write(`error: unexpected: ${firstLine(message)}\n`);
  write('This is a bug in tfjs-flows; please report it with the command you ran (set TFJS_FLOWS_DEBUG=1 for the stack trace).\n');
  if (process.env.TFJS_FLOWS_DEBUG && error instanceof Error && error.stack) write(`${error.stack}\n`);
  return EXIT.unexpected;
}

function firstLine(message: string): string {
  const lines = message.split('\n');
  return lines.length > 1 ? `${lines[0]} …` : message;
}
