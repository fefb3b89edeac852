#!/usr/bin/env node
/** Entry point of the `tfjs-flows` command (the package's `bin`). */
import { buildProgram } from './program.js';
import { reportError } from './errors.js';

// `tfjs-flows sample … | head`: a closed pipe ends the command quietly, as for other Unix tools.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (e) {
  process.exitCode = reportError(e, (line) => process.stderr.write(line));
}
