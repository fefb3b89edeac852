// Runs the tslab TypeScript kernel from the repository root, wherever Jupyter started this process.
// Why: nbconvert starts a kernel in the notebook's folder, but tslab only type-checks and resolves
// imports below its working folder, and the notebooks import the built library as `./dist/index.js`.
// The kernel runs in this same process (not a child), so Jupyter's interrupt and shutdown signals
// reach tslab directly.
'use strict';
const path = require('node:path');

const connectionFile = process.argv[2];
if (!connectionFile) {
  console.error('launch.cjs: expected the Jupyter connection file as the first argument');
  process.exit(2);
}
const root = path.resolve(__dirname, '..', '..', '..', '..');
const tslab = path.join(root, 'node_modules', 'tslab', 'bin', 'tslab');
process.chdir(root);
process.argv = [process.argv[0], tslab, 'kernel', '--config-path', path.resolve(connectionFile)];
require(path.join(root, 'node_modules', 'tslab', 'dist', 'main.js')).main();
