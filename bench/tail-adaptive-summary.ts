/**
 * Issue 20's targets from the JSON lines bench/tail-adaptive.ts appends (one or more files, e.g. one per
 * seed run in parallel). Prints one JSON document: each target's measured numbers and whether it is met.
 *
 *     npx tsx bench/tail-adaptive-summary.ts out/tail-adaptive-s1.jsonl out/tail-adaptive-s2.jsonl out/tail-adaptive-s3.jsonl
 */
import { readFileSync } from 'node:fs';

interface Estimate {
  heavyColumns: number[];
  missed: number[];
  falsePositives: number[];
  tailIndex: number[];
}
interface SeedLine {
  seed: number;
  heavy: number[];
  estimates: Record<string, Estimate>;
}
interface ModelLine {
  seed: number;
  model: string;
  testNll: number;
  relativeTVaRError: number[];
  modelHill: number[];
  baseDf: number[] | null;
}

const lines = process.argv.slice(2).flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
const seeds = new Map<number, SeedLine>(lines.filter((l) => !('model' in l)).map((l) => [l.seed, l]));
// The last line of a (seed, model) pair wins: later files (re-runs) replace earlier ones.
const model = (seed: number, name: string): ModelLine | undefined => [...lines].reverse().find((l) => l.seed === seed && l.model === name);
const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;
const r4 = (v: number): number => Math.round(v * 1e4) / 1e4;

const estimation = Object.fromEntries(
  ['hill', 'moments', 'kernel'].map((m) => {
    const per = [...seeds.values()].map((s) => ({ seed: s.seed, missed: s.estimates[m].missed, falsePositives: s.estimates[m].falsePositives }));
    return [m, { perSeed: per, met: per.every((p) => p.missed.length === 0 && p.falsePositives.length <= 1) }];
  }),
);

const paired = [...seeds.keys()].filter((s) => model(s, 'mtaf') && model(s, 'nsf'));
const nllGain = paired.map((s) => model(s, 'nsf')!.testNll - model(s, 'mtaf')!.testNll);
const withT = [...seeds.keys()].filter((s) => model(s, 'mtaf') && model(s, 'studentT'));
const heavyErr = (name: string): number[] => paired.flatMap((s) => seeds.get(s)!.heavy.map((j) => model(s, name)!.relativeTVaRError[j]));
const hill = [...seeds.keys()].filter((s) => model(s, 'mtaf')).flatMap((s) => seeds.get(s)!.heavy.map((j) => ({ seed: s, column: j, hill: model(s, 'mtaf')!.modelHill[j] })));
const columns = withT.length ? model(withT[0], 'mtaf')!.relativeTVaRError.length : 0;
const perColumnVsT = Array.from({ length: columns }, (_, j) => ({
  column: j,
  mtaf: r4(mean(withT.map((s) => model(s, 'mtaf')!.relativeTVaRError[j]))),
  studentT: r4(mean(withT.map((s) => model(s, 'studentT')!.relativeTVaRError[j]))),
}));

console.log(
  JSON.stringify(
    {
      seedsWithTails: [...seeds.keys()],
      estimateTails: estimation,
      nll: {
        perSeed: paired.map((s, i) => ({ seed: s, nsf: model(s, 'nsf')!.testNll, mtaf: model(s, 'mtaf')!.testNll, studentT: model(s, 'studentT')?.testNll ?? null, gainOverNsf: r4(nllGain[i]) })),
        meanGainOverNsf: paired.length ? r4(mean(nllGain)) : null,
        met: paired.length > 0 && mean(nllGain) >= 0.05,
      },
      versusStudentT: {
        nllPerSeed: withT.map((s) => ({ seed: s, mtafMinusStudentT: r4(model(s, 'mtaf')!.testNll - model(s, 'studentT')!.testNll) })),
        nllMet: withT.length > 0 && withT.every((s) => model(s, 'mtaf')!.testNll <= model(s, 'studentT')!.testNll),
        relativeTVaRErrorPerColumn: perColumnVsT,
        tvarMetOnEveryColumn: withT.length > 0 && perColumnVsT.every((c) => c.mtaf <= c.studentT),
      },
      heavyTVaR: {
        nsfMean: paired.length ? r4(mean(heavyErr('nsf'))) : null,
        mtafMean: paired.length ? r4(mean(heavyErr('mtaf'))) : null,
        met: paired.length > 0 && mean(heavyErr('mtaf')) <= 0.5 * mean(heavyErr('nsf')),
      },
      hill: { values: hill, met: hill.length > 0 && hill.every((h) => Math.abs(h.hill - 0.5) <= 0.15) },
      learnedDf: [...seeds.keys()].map((s) => ({ seed: s, mtaf: model(s, 'mtaf')?.baseDf ?? null, mtafScale: (model(s, 'mtaf') as unknown as { baseScale?: number[] })?.baseScale ?? null })),
    },
    null,
    1,
  ),
);
