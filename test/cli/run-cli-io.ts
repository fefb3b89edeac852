/** Child processes of the command line fed on standard input, and watched while they run (for signals). */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CliResult } from './run-cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface RunningCli {
  child: ChildProcess;
  /** Resolves when stdout has printed text matching `pattern`. */
  waitFor(pattern: RegExp): Promise<void>;
  done: Promise<CliResult>;
}

/** Start `tfjs-flows args…`; `input` (if given) is written to its standard input, which is then closed. */
export function startCli(args: string[], input?: string): RunningCli {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, env: { ...process.env, TFJS_FLOWS_DEBUG: '' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    for (const w of waiters.splice(0)) (w.pattern.test(stdout) ? w.resolve() : waiters.push(w));
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  if (input !== undefined) child.stdin!.end(input);
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr })));
  return {
    child,
    done,
    waitFor: (pattern) => new Promise((resolve) => (pattern.test(stdout) ? resolve() : waiters.push({ pattern, resolve }))),
  };
}

/** `tfjs-flows args…` with `input` on standard input. */
export function runCliWithInput(args: string[], input: string): Promise<CliResult> {
  return startCli(args, input).done;
}
