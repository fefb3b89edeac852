/**
 * The one table every base distribution joins; `distribution-laws.test.ts` runs the generic laws
 * (normalised density, sampler agrees with the density, seeded samples, save/load, no leaks, finite
 * gradients) on every case. Weights are perturbed so the laws do not only see the initial values.
 */
import {
  ConditionalDiagNormal, ConditionalMixtureOfGaussians, DiagNormal, type Distribution, MixtureOfGaussians, Rng, StandardNormal, StudentT, TailAdaptiveBase, Uniform, tf,
} from '../../src/index.js';
import { gaussianLogPdf, lgamma64 } from '../helpers/math.js';

export interface DistributionCase {
  name: string;
  make: () => Distribution;
  /** Float64 log-density at one point, from the distribution's current weights (the closed form). */
  reference?: (d: Distribution, z: number[]) => number;
  /** One context row for a conditional base (every law runs at this context). */
  context?: number[];
  /** Quadrature tolerance of ∫p = 1 (default 3e-3): looser for densities with jumps. */
  quadratureTol?: number;
}

/** Add seeded N(0, sd²) noise to every trainable weight. */
export function perturbedDistribution<D extends Distribution>(d: D, seed: string, sd = 0.3): D {
  const rng = new Rng(seed);
  const values: Record<string, Float32Array> = {};
  for (const w of d.weights) {
    const v = Float32Array.from(w.variable.dataSync());
    if (w.trainable) for (let i = 0; i < v.length; i++) v[i] += sd * rng.normal();
    values[w.name] = v;
  }
  d.setWeights(values);
  return d;
}

export function studentTLogPdf(x: number, df: number, loc = 0, scale = 1): number {
  const u = (x - loc) / scale;
  return lgamma64((df + 1) / 2) - lgamma64(df / 2) - 0.5 * Math.log(df * Math.PI) - Math.log(scale) - ((df + 1) / 2) * Math.log1p((u * u) / df);
}

const read = (v: tf.Tensor): number[] => Array.from(v.dataSync());
const logSumExp = (a: number[]): number => {
  const m = Math.max(...a);
  return m + Math.log(a.reduce((s, v) => s + Math.exp(v - m), 0));
};

/** Float64 mixture log-density from the weights of a MixtureOfGaussians. */
function mixtureReference(d: Distribution, z: number[]): number {
  const m = d as MixtureOfGaussians;
  const k = m.components;
  const dim = m.dim;
  const logits = read(m.logits);
  const lse = logSumExp(logits);
  const loc = read(m.loc);
  const p = read(m.scaleParams);
  const terms: number[] = [];
  for (let c = 0; c < k; c++) {
    const diff = z.map((v, i) => v - loc[c * dim + i]);
    let quad = 0;
    let logDet = 0;
    if (m.covariance === 'diagonal') {
      for (let i = 0; i < dim; i++) {
        const s = Math.exp(p[c * dim + i]);
        quad += (diff[i] / s) ** 2;
        logDet += Math.log(s);
      }
    } else {
      // Forward substitution L u = diff, L lower with exp(raw) on the diagonal.
      const at = (i: number, j: number): number => p[c * dim * dim + i * dim + j];
      const u: number[] = [];
      for (let i = 0; i < dim; i++) {
        let s = diff[i];
        for (let j = 0; j < i; j++) s -= at(i, j) * u[j];
        u.push(s / Math.exp(at(i, i)));
        logDet += at(i, i);
      }
      quad = u.reduce((a, v) => a + v * v, 0);
    }
    terms.push(logits[c] - lse - 0.5 * quad - logDet - (dim / 2) * Math.log(2 * Math.PI));
  }
  return logSumExp(terms);
}

export const distributionCases: DistributionCase[] = [
  { name: 'StandardNormal', make: () => new StandardNormal(2), reference: (_d, z) => gaussianLogPdf(z, [0, 0], [1, 1]) },
  {
    name: 'DiagNormal',
    make: () => perturbedDistribution(new DiagNormal(2, { loc: [0.5, -0.5], scale: [0.8, 1.3] }), 'diag'),
    reference: (d, z) => {
      const n = d as DiagNormal;
      return gaussianLogPdf(z, read(n.loc), read(n.logScale).map(Math.exp));
    },
  },
  {
    name: 'StudentT',
    make: () => perturbedDistribution(new StudentT(2, { df: [2.5, 7] }), 't', 0.1),
    reference: (d, z) => {
      const t = d as StudentT;
      const [df, loc, ls] = [read(t.logDf).map(Math.exp), read(t.loc), read(t.logScale)];
      return z.reduce((s, v, i) => s + studentTLogPdf(v, df[i], loc[i], Math.exp(ls[i])), 0);
    },
  },
  {
    name: 'TailAdaptiveBase',
    make: () => perturbedDistribution(new TailAdaptiveBase(2, { heavy: [1], df: 2.5, scale: 0.7 }), 'tab', 0.1),
    reference: (d, z) => {
      const b = d as TailAdaptiveBase;
      const [loc, scale] = [read(b.loc), b.scale];
      return gaussianLogPdf([z[0]], [loc[0]], [scale[0]]) + studentTLogPdf(z[1], b.df[0], loc[1], scale[1]);
    },
  },
  {
    name: 'MixtureOfGaussians diagonal',
    make: () => perturbedDistribution(new MixtureOfGaussians(2, { components: 3, scale: 0.6, seed: 1 }), 'mogd'),
    reference: mixtureReference,
  },
  {
    name: 'MixtureOfGaussians full',
    make: () => perturbedDistribution(new MixtureOfGaussians(2, { components: 2, covariance: 'full', scale: 0.7, seed: 2 }), 'mogf'),
    reference: mixtureReference,
  },
  {
    name: 'ConditionalDiagNormal',
    make: () => perturbedDistribution(new ConditionalDiagNormal(2, 3, { hidden: [8], seed: 3 }), 'cdn', 0.3),
    context: [0.5, -1, 2],
    reference: (d, z) => {
      const { loc, logScale } = tf.tidy(() => (d as ConditionalDiagNormal).parameters(tf.tensor2d([[0.5, -1, 2]])));
      const lp = gaussianLogPdf(z, read(loc), read(logScale).map(Math.exp));
      tf.dispose([loc, logScale]);
      return lp;
    },
  },
  {
    name: 'ConditionalMixtureOfGaussians',
    make: () => perturbedDistribution(new ConditionalMixtureOfGaussians(2, 2, { components: 3, hidden: [8], seed: 4 }), 'cmog', 0.3),
    context: [1, -0.5],
    reference: (d, z) => {
      const m = d as ConditionalMixtureOfGaussians;
      const p = tf.tidy(() => m.parameters(tf.tensor2d([[1, -0.5]])));
      const [lw, loc, ls] = [read(p.logWeights), read(p.loc), read(p.logScale)];
      tf.dispose([p.logWeights, p.loc, p.logScale]);
      const terms = lw.map((w, k) => w + gaussianLogPdf(z, loc.slice(2 * k, 2 * k + 2), ls.slice(2 * k, 2 * k + 2).map(Math.exp)));
      return logSumExp(terms);
    },
  },
  {
    name: 'Uniform',
    make: () => new Uniform(2, { low: [-1, 0], high: [0.5, 2] }),
    reference: (_d, z) => (z[0] >= -1 && z[0] <= 0.5 && z[1] >= 0 && z[1] <= 2 ? -Math.log(3) : -Infinity),
    quadratureTol: 2e-2,
  },
];
