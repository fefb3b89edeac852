/**
 * Numerical soak (issue 9): RealNVP, NSF (coupling and autoregressive) and MAF trained on moons,
 * checkerboard, eightGaussians and pinwheel over several seeds; prints JSON with every run and a
 * summary (targets: no training errors, no non-finite logProb or sample, no leaking run).
 *
 *     npm run bench:soak                                   # defaults: 3000 steps × seeds 1,2,3 (long)
 *     npm run bench:soak -- --steps 2000 --seeds 1,2       # a shorter run
 *     npm run bench:soak -- --flows maf,realNVP --datasets moons
 */
import { backendName, ready } from '../src/index.js';
import { DEFAULT_SOAK, SOAK_FLOWS, type SoakConfig, type SoakRun, soakRun, summarize } from './soak-runs.js';
import type { DatasetName } from '../src/index.js';

function parseArgs(argv: string[]): SoakConfig {
  const c: SoakConfig = { ...DEFAULT_SOAK };
  for (let i = 0; i < argv.length; i += 2) {
    const [key, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`bench/soak: ${key} needs a value`);
    if (key === '--steps') c.steps = Number(value);
    else if (key === '--seeds') c.seeds = value.split(',').map(Number);
    else if (key === '--flows') c.flows = value.split(',');
    else if (key === '--datasets') c.datasets = value.split(',') as DatasetName[];
    else throw new Error(`bench/soak: unknown option ${key} (--steps, --seeds, --flows, --datasets)`);
  }
  if (!Number.isInteger(c.steps) || c.steps < 1) throw new Error(`bench/soak: --steps must be a positive integer; got ${c.steps}`);
  if (!c.seeds.every(Number.isInteger)) throw new Error(`bench/soak: --seeds must be integers; got ${c.seeds}`);
  for (const f of c.flows) if (!(f in SOAK_FLOWS)) throw new Error(`bench/soak: unknown flow ${f} (${Object.keys(SOAK_FLOWS).join(', ')})`);
  return c;
}

const config = parseArgs(process.argv.slice(2));
await ready();
const runs: SoakRun[] = [];
const start = performance.now();
for (const flow of config.flows) {
  for (const dataset of config.datasets) {
    for (const seed of config.seeds) {
      const r = await soakRun(flow, dataset, seed, config);
      runs.push(r);
      process.stderr.write(`${flow} ${dataset} seed ${seed}: loss ${r.finalLoss?.toFixed(3)} test NLL ${r.testNll?.toFixed(3)} ${r.trainingError ?? ''} (${r.seconds.toFixed(1)} s)\n`);
    }
  }
}
const round = (v: number | null) => (v === null ? null : Number(v.toFixed(4)));
console.log(JSON.stringify({
  backend: backendName(),
  config,
  summary: summarize(runs),
  totalSeconds: Number(((performance.now() - start) / 1000).toFixed(1)),
  runs: runs.map((r) => ({ ...r, finalLoss: round(r.finalLoss), testNll: round(r.testNll), seconds: Number(r.seconds.toFixed(1)) })),
}, null, 2));
