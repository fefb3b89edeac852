/**
 * Run every example one after another (CI: `npm run examples`, which passes `--quick`); stops at the
 * first failure with its exit code. Its lines are plain words, not a test runner's ▶/✓ markers: CI's log
 * is read for test runners' summaries, and these are not tests.
 *
 *     npx tsx examples/run-all.ts [--quick]
 */
import { spawnSync } from 'node:child_process';

const EXAMPLES: [string, string[]][] = [
  ['two-moons.ts', []],
  ['conditional-density.ts', []],
  ['energy-sampling.ts', []],
  ['double-well-snf.ts', []],
  ['heavy-tails.ts', []],
  ['custom-bijector.ts', []],
  ['fit-csv.ts', []],
  ['plot-gallery.ts', ['out/examples/plot-gallery']],
];
const passOn = process.argv.slice(2).filter((a) => a === '--quick');

for (const [file, args] of EXAMPLES) {
  const started = performance.now();
  console.log(`\nexample: examples/${file} ${[...args, ...passOn].join(' ')}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `examples/${file}`, ...args, ...passOn], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`examples/${file} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
  console.log(`example finished: examples/${file} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
