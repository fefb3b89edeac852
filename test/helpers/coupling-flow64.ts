/**
 * A float64 reference of a coupling flow over a standard normal (affine or rational-quadratic spline
 * couplings, MLP conditioners with ReLU or ELU, no context), computed row by row from the flow's weights:
 * the yardstick both the inference path and the tape path of `Flow.logProb` / `Flow.sample` are
 * measured against.
 */
import { AffineCoupling, type Chain, type Flow, Permute, SplineCoupling, type SplineTransformer } from '../../src/index.js';
import { refSpline } from './rq-spline-ref.js';

interface Layer64 {
  /** A Permute layer (forward `y[i] = x[p[i]]`) instead of a coupling when set. */
  permutation?: readonly number[];
  pass: number[];
  moved: number[];
  /** [kernel (row-major [in, out]), bias, in, out] per dense layer. */
  dense: { w: Float64Array; b: Float64Array; n: number; m: number }[];
  kind: 'affine' | 'spline';
  activation: 'relu' | 'elu';
  clamp: number | null;
  spline?: SplineTransformer;
}

function mlp64(layer: Layer64, input: number[]): number[] {
  let h = input;
  layer.dense.forEach(({ w, b, n, m }, i) => {
    const out = Array.from(b);
    for (let k = 0; k < n; k++) for (let j = 0; j < m; j++) out[j] += h[k] * w[k * m + j];
    const act = layer.activation === 'elu' ? (v: number) => (v > 0 ? v : Math.expm1(v)) : (v: number) => Math.max(v, 0);
    h = i < layer.dense.length - 1 ? out.map(act) : out;
  });
  return h;
}

/** Read the layers of a coupling flow (data side first, as the Chain lists them). */
export function couplingLayers64(flow: Flow): Layer64[] {
  const members = 'bijectors' in flow.bijector ? (flow.bijector as Chain).bijectors : [flow.bijector];
  return members.map((b) => {
    if (b instanceof Permute) return { permutation: b.permutation, pass: [], moved: [], dense: [], kind: 'affine' as const, activation: 'relu' as const, clamp: null };
    if (!(b instanceof AffineCoupling) && !(b instanceof SplineCoupling)) throw new Error(`couplingLayers64: unsupported ${b.className}`);
    const activation = (b.conditioner as unknown as { activation: string }).activation;
    if (activation !== 'relu' && activation !== 'elu') throw new Error(`couplingLayers64: unsupported activation ${activation}`);
    const ws = b.conditioner.weights;
    const dense = [];
    for (let i = 0; i < ws.length; i += 2) {
      const [n, m] = ws[i].variable.shape;
      dense.push({ w: Float64Array.from(ws[i].variable.dataSync()), b: Float64Array.from(ws[i + 1].variable.dataSync()), n, m });
    }
    const pass = b.mask.flatMap((m, i) => (m ? [i] : []));
    const moved = b.mask.flatMap((m, i) => (m ? [] : [i]));
    if (b instanceof AffineCoupling) {
      const t = b.transformer as unknown as { scale: string; clamp: number | null };
      if (t.scale !== 'exp') throw new Error('couplingLayers64: only the exp scale');
      return { pass, moved, dense, kind: 'affine' as const, activation, clamp: t.clamp };
    }
    return { pass, moved, dense, kind: 'spline' as const, activation, clamp: null, spline: b.transformer as SplineTransformer };
  });
}

/** One coupling on one row; `dataToLatent` is the layer's inverse direction. Returns the new row and its log-det. */
function coupling64(layer: Layer64, row: number[], dataToLatent: boolean): { row: number[]; logDet: number } {
  const p = layer.permutation;
  if (p) {
    const out = new Array<number>(row.length);
    p.forEach((src, i) => (dataToLatent ? (out[src] = row[i]) : (out[i] = row[src])));
    return { row: out, logDet: 0 };
  }
  const raw = mlp64(layer, layer.pass.map((c) => row[c]));
  const out = [...row];
  let logDet = 0;
  const P = raw.length / layer.moved.length;
  layer.moved.forEach((c, j) => {
    const p = raw.slice(j * P, (j + 1) * P);
    if (layer.kind === 'affine') {
      const ls = layer.clamp === null ? p[1] : layer.clamp * Math.tanh(p[1] / layer.clamp);
      out[c] = dataToLatent ? (row[c] - p[0]) * Math.exp(-ls) : row[c] * Math.exp(ls) + p[0];
      logDet += dataToLatent ? -ls : ls;
    } else {
      const s = layer.spline!;
      const K = s.bins;
      // invert: the density direction applies the spline itself, the sampling direction its inverse.
      const splineInverse = s.invert ? !dataToLatent : dataToLatent;
      const r = refSpline(row[c], p.slice(0, K), p.slice(K, 2 * K), p.slice(2 * K), {
        tails: 'linear', bound: s.tailBound, minBinWidth: s.minBinWidth, minBinHeight: s.minBinHeight, minDerivative: s.minDerivative, identityAtZero: true,
      }, splineInverse);
      out[c] = r.y;
      logDet += r.ld;
    }
  });
  return { row: out, logDet };
}

const logNormal = (z: number[]) => z.reduce((a, v) => a - 0.5 * v * v - 0.5 * Math.log(2 * Math.PI), 0);

/** float64 `logProb` of each row (data → latent through every layer, then the base density). */
export function logProb64(layers: Layer64[], x: number[][]): number[] {
  return x.map((row) => {
    let z = row;
    let ld = 0;
    for (const layer of layers) {
      const r = coupling64(layer, z, true);
      z = r.row;
      ld += r.logDet;
    }
    return logNormal(z) + ld;
  });
}

/** float64 forward (latent → data) of each row: the data-side sample for those latents. */
export function forward64(layers: Layer64[], z: number[][]): number[][] {
  return z.map((row) => {
    let x = row;
    for (let i = layers.length - 1; i >= 0; i--) x = coupling64(layers[i], x, false).row;
    return x;
  });
}
