#!/usr/bin/env node
/** Entry point of the `tfjs-flows` command (the package's `bin`). */
import { buildProgram } from './program.js';
import { reportError } from './errors.js';

try {
  await buildProgram().parseAsync(process.argv);
} catch (e) {
  process.exitCode = reportError(e, (line) => process.stderr.write(line));
}
