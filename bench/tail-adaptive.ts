/**
 * Tail-adaptive flows (issue 20): the synthetic protocol of Laszkiewicz, Lederer & Fischer (ICML 2022)
 * — 8 dimensions, Gaussian copula with random correlations, 4 light marginals (Gaussians or small
 * Gaussian mixtures) and 4 heavy ones (two-component Student-t mixtures, df 2, true ξ = 0.5), 20,000
 * training and 20,000 test rows, seeds 1–3 (bench/tail-adaptive-data.ts). Three flows per seed, each
 * an autoregressive NSF with 5 layers, tail bound 2, 8 bins, hidden [64, 64]:
 *
 *   nsf       StandardNormal base
 *   studentT  StudentT base, trainable per-dimension df (initial 5), loc and scale (TAF, Jaini et al. 2020)
 *   mtaf      tailAdaptiveFlow: Gaussian light / Student-t heavy base (df and tail-matched scale from
 *             estimateTails, trainable), heavy columns last in the base, the whole order reversed between layers
 *
 * trained by maximum likelihood (fit: standardised, batch 256, Adam, cosine decay from 1e-3), then
 * scored by test NLL (nats, data units) and `tailDiagnostics` on the test rows with 100,000 model
 * samples. Prints one JSON document (and appends one JSON line per seed's tail estimates and per trained model to --out).
 *
 *     nice -n 10 npx tsx bench/tail-adaptive.ts [--steps 6000] [--seeds 1,2,3] [--models mtaf,nsf,studentT] [--out out/tail-adaptive.jsonl]
 *     npx tsx bench/tail-adaptive-summary.ts out/*.jsonl      # the issue's targets, met or not
 *
 * At the planned 6000 steps (fit's per-column scaling, the alternating layout), see docs/tail-adaptive.md:
 * mTAF 8.395 / 12.115 / 12.289 against the Student-t base's 8.427 / 12.135 / 12.303, Hill 12 of 12
 * within 0.5 ± 0.15 (the grouped layout had scored 8.492 / 12.185 / 12.385).
 *
 * Measured earlier (wasm, 2000 steps each, whitened — reduced from the 6000 planned because the shared machine ran at load
 * 15–29; seeds 1, 2, 3 as three parallel processes; 100,000 model samples):
 *
 *   estimateTails: hill, moments and kernel each flag exactly the 4 heavy columns on every seed (no
 *     miss, no false positive); moments reads ξ 0.39–0.68 on heavy, −0.16–0.08 on light columns.
 *   test NLL (nats)   nsf 9.934 13.403 14.529   studentT 8.530 12.146 12.308   mtaf 8.583 12.165 12.360
 *     mtaf − nsf: −1.351 −1.238 −2.170 (mean −1.586); mtaf − studentT: +0.053 +0.018 +0.052.
 *   relative tVaR₀.₉₉ error, heavy columns (mean over both tails, columns, seeds): nsf 0.309, mtaf 0.122;
 *     per column (mean over seeds) mtaf ≤ studentT on all 8 (mtaf 0.04–0.11, studentT 0.11–0.25).
 *   Hill index of model samples, heavy columns (k = 317): 0.40–0.66, 11 of 12 within 0.5 ± 0.15 (seed 3,
 *     column 0: 0.662, learned ν 1.62; the data's own Hill reads 0.561 there). nsf reads 0.10–0.11 on
 *     every column, whatever it learned: beyond the tail bound its samples are its Gaussian base.
 *   learned ν stays near the moment estimates (1.62–2.43); heavy scales 0.14–0.45 (standardised units).
 *   (A first run with unit-scale Student-t marginals let ν drift to 3.5–5.3, Hill 0.21–0.31: beyond the
 *   tail bound the base alone sets the tail's weight, hence the trainable, tail-matched scale.)
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Flow, StudentT, cosineDecay, estimateTails, fit, neuralSplineFlow, ready, tailAdaptiveFlow, tailDiagnostics, tf } from '../src/index.js';
import { Flow as FlowClass } from '../src/flow.js';
import { columnStats } from '../src/train/fit-data.js';
import { syntheticProblem } from './tail-adaptive-data.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const steps = Number(arg('steps', '6000'));
const seeds = arg('seeds', '1,2,3').split(',').map(Number);
const out = arg('out', 'out/tail-adaptive.jsonl');
const only = arg('models', 'mtaf,nsf,studentT').split(',');
const N = 20000;
const SAMPLES = 100000;
const common = { dim: 8, layers: 5, tailBound: 2, bins: 8, hidden: [64, 64] };

function testNll(flow: Flow, x: tf.Tensor2D): number {
  const lp = flow.logProb(x);
  const v = -tf.mean(lp).dataSync()[0];
  lp.dispose();
  return v;
}

const r4 = (v: number): number => Math.round(v * 1e4) / 1e4;

await ready();
mkdirSync(dirname(out), { recursive: true });
const results: unknown[] = [];
for (const seed of seeds) {
  const problem = syntheticProblem(seed);
  const train = tf.tensor2d(problem.sample(N, 1), [N, 8]);
  const test = tf.tensor2d(problem.sample(N, 2), [N, 8]);
  const estimates = Object.fromEntries(
    (['hill', 'moments', 'kernel'] as const).map((method) => {
      const e = estimateTails(train, { method });
      const missed = problem.heavy.filter((j) => !e.heavy[j]);
      const falsePositives = e.heavyColumns.filter((j) => !problem.heavy.includes(j));
      return [method, { tailIndex: e.tailIndex.map(r4), heavyColumns: e.heavyColumns, missed, falsePositives, heavyDf: e.heavyDf.map(r4) }];
    }),
  );
  const tails = estimateTails(train, { method: 'moments' });
  // fit standardises with these statistics; the heavy scales go to the flow in those units.
  const { std } = columnStats(train.dataSync() as Float32Array, N, 8);
  const heavyScale = tails.heavyColumns.map((j, i) => tails.heavyScale[i] / std[j]);
  appendFileSync(out, `${JSON.stringify({ seed, heavy: problem.heavy, marginals: problem.marginals.map((m) => m.kind), estimates, heavyScale: heavyScale.map(r4) })}\n`);
  // mTAF first, then plain NSF: the pair the targets compare, in case a slow machine cuts the run short.
  const builders: Record<string, () => Flow> = {
    mtaf: () => tailAdaptiveFlow({ ...common, heavy: tails.heavyColumns, df: tails.heavyDf, scale: heavyScale, seed }),
    nsf: () => neuralSplineFlow({ ...common, autoregressive: true, seed }),
    studentT: () => {
      const f = neuralSplineFlow({ ...common, autoregressive: true, seed });
      f.base.dispose();
      return new FlowClass(new StudentT(8, { df: 5 }), f.bijector);
    },
  };
  const models: Record<string, unknown> = {};
  for (const [name, build] of Object.entries(builders).filter(([n]) => only.includes(n))) {
    const flow = build();
    const t0 = Date.now();
    const history = await fit(flow, train, { steps, batchSize: 256, learningRate: cosineDecay(1e-3), seed, progress: false });
    const seconds = (Date.now() - t0) / 1000;
    const nll = testNll(flow, test);
    const diag = tailDiagnostics(flow, test, { samples: SAMPLES, seed: 1000 + seed });
    const baseScale = 'scale' in flow.base && Array.isArray((flow.base as unknown as { scale: unknown }).scale) ? (flow.base as unknown as { scale: number[] }).scale.map(r4) : null;
    const baseDf = flow.base instanceof StudentT ? Array.from(tf.tidy(() => tf.exp((flow.base as StudentT).logDf)).dataSync()) : 'df' in flow.base ? (flow.base as unknown as { df: number[] }).df : null;
    models[name] = {
      testNll: r4(nll),
      trainSeconds: Math.round(seconds),
      finalTrainLoss: r4(history.loss[history.loss.length - 1]),
      baseDf: baseDf?.map(r4) ?? null,
      baseScale,
      initialScale: name === 'mtaf' ? heavyScale.map(r4) : null,
      relativeTVaRError: diag.map((d) => r4(d.relativeTVaRError)),
      modelHill: diag.map((d) => r4(d.modelHill)),
      dataHill: diag.map((d) => r4(d.dataHill)),
      dataTVaR: diag.map((d) => ({ upper: r4(d.dataTVaR.upper), lower: r4(d.dataTVaR.lower) })),
      modelTVaR: diag.map((d) => ({ upper: r4(d.modelTVaR.upper), lower: r4(d.modelTVaR.lower) })),
    };
    appendFileSync(out, `${JSON.stringify({ seed, model: name, ...(models[name] as object) })}\n`);
    flow.dispose();
    console.error(`seed ${seed} ${name}: test NLL ${nll.toFixed(4)} (${seconds.toFixed(0)} s)`);
  }
  results.push({ seed, heavy: problem.heavy, marginals: problem.marginals.map((m) => m.kind), estimates, models });
  tf.dispose([train, test]);
}
console.log(JSON.stringify({ steps, seeds, backend: tf.getBackend(), results }, null, 1));
