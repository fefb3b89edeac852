/**
 * Writes the two-moons points of the quality benchmark (bench/quality.ts: 20,000 training points
 * with seed 1 and 5,000 test points with seed 2, noise 0.05) as CSV, for the PyTorch reference
 * (bench/reference/nflows_moons.py), so both sides train and test on the very same points.
 *
 *     npx tsx bench/reference/export-moons.ts [outDir]     # default out/reference
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { datasets, ready } from '../../src/index.js';
import { QUALITY_DATA } from '../quality-config.js';

async function main(): Promise<void> {
  await ready();
  const dir = process.argv[2] ?? 'out/reference';
  mkdirSync(dir, { recursive: true });
  const sets = { train: [QUALITY_DATA.nTrain, QUALITY_DATA.trainSeed], test: [QUALITY_DATA.nTest, QUALITY_DATA.testSeed] } as const;
  for (const [name, [n, seed]] of Object.entries(sets)) {
    const x = datasets.moons(n, { seed, noise: QUALITY_DATA.noise });
    // Shortest round-trip decimal of each float32: the reader gets the exact same numbers.
    const rows = (x.arraySync() as number[][]).map((r) => r.map((v) => String(v)).join(','));
    x.dispose();
    const file = join(dir, `moons-${name}.csv`);
    writeFileSync(file, `x,y\n${rows.join('\n')}\n`);
    console.log(`wrote ${file} (${n} rows)`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
