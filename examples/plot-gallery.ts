/**
 * Every figure kind of tfjs-flows' plotting helpers, for small hand-built flows, in one HTML file:
 *
 *     npx tsx examples/plot-gallery.ts [outDir] [--png]
 *
 * writes `outDir/plot-gallery.html` (default outDir: ./plot-gallery), and with `--png` one PNG per
 * figure as well (needs Chromium or Chrome; see `findBrowser`). The flows are built from elementwise
 * bijectors, not trained, and the training history is synthetic: the point is the figures.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import {
  Affine, Chain, DiagNormal, Flow, Permute, Rng, Scale, Shift, Softplus, StandardNormal, Tanh, type TrainingHistory, ready, tf,
  density1dFigure, densityComparisonFigure, densityFigure, layersFigure, samplesFigure, trainingCurvesFigure,
} from 'tfjs-flows';
import { FigureRenderer, findBrowser, renderPng, writeHtml } from 'tfjs-flows/node';

await ready();
const args = process.argv.slice(2);
const outDir = args.find((a) => !a.startsWith('--')) ?? 'plot-gallery';
const png = args.includes('--png');

// x = A₂(tanh(A₁ z)) with a permutation between: tanh squeezes a wide Gaussian against the edges of
// a box, so the density piles up along two sides (the log-scale view shows the support's boundary).
const params = (s1: number[], s2: number[], shift: number[]) =>
  new Chain([new Affine(2, { shift, scale: s2 }), new Permute([1, 0]), new Tanh(), new Affine(2, { shift: [0.4, -0.2], scale: s1 })]);
const flow = new Flow(new StandardNormal(2), params([1.0, 0.6], [2, 1.2], [0.3, -0.5]));

// A "learned" flow close to it, and the true density of `flow` in closed form (float64), for the comparison.
const learned = new Flow(new DiagNormal(2, { scale: [1.05, 0.95] }), params([0.95, 0.65], [2.1, 1.15], [0.25, -0.45]));
function trueLogDensity(points: tf.Tensor2D): number[] {
  const v = points.arraySync();
  return v.map(([x1, x2]) => {
    // Undo A₂ (shift [0.3, −0.5], scale [2, 1.2]), the permutation, tanh, then A₁ (shift [0.4, −0.2], scale [1, 0.6]).
    const u = [(x1 - 0.3) / 2, (x2 + 0.5) / 1.2];
    const t = [u[1], u[0]];
    if (Math.abs(t[0]) >= 1 || Math.abs(t[1]) >= 1) return -Infinity;
    const w = t.map(Math.atanh);
    const z = [(w[0] - 0.4) / 1.0, (w[1] + 0.2) / 0.6];
    const logDet = -Math.log(2 * 1.2) - Math.log(1 - t[0] ** 2) - Math.log(1 - t[1] ** 2) - Math.log(1.0 * 0.6);
    return -0.5 * (z[0] ** 2 + z[1] ** 2) - Math.log(2 * Math.PI) + logDet;
  });
}

// "Training data": samples of the true flow with another seed.
const dataTensor = flow.sample(600, { seed: 'data' });
const data = dataTensor.arraySync();
dataTensor.dispose();

// A synthetic training history: exponential decay plus noise, validation every 50 steps.
const rng = new Rng(3);
const steps = Array.from({ length: 600 }, (_, k) => k);
const curve = (k: number) => 1.2 + 1.6 * Math.exp(-k / 120);
const history: TrainingHistory = {
  steps,
  loss: steps.map((k) => curve(k) + 0.12 * rng.normal()),
  validation: { steps: steps.filter((k) => k % 50 === 0), loss: steps.filter((k) => k % 50 === 0).map((k) => curve(k) + 0.05 + (k > 400 ? (k - 400) / 2000 : 0)) },
};

// A one-dimensional flow: x = 2·softplus(z − 1), skewed and positive.
const flow1d = new Flow(new StandardNormal(1), new Chain([new Scale(2), new Softplus(), new Shift(-1)]));
const data1dTensor = flow1d.sample(1500, { seed: 'data1d' });
const data1d = data1dTensor.arraySync();
data1dTensor.dispose();

const figures = {
  density: await densityFigure(flow, { data, contours: 6, title: 'Density of a hand-built flow' }),
  'log-density': await densityFigure(flow, { data, logScale: true, showData: true, title: 'Log-density with the data' }),
  samples: await samplesFigure(flow, { n: 1000, data, seed: 1, title: 'Samples over the data' }),
  training: trainingCurvesFigure(history, { smoothing: 0.9, title: 'Training curves (synthetic history)' }),
  layers: await layersFigure(flow, { n: 600, title: 'Layer by layer: base → data' }),
  'layers-animation': await layersFigure(flow, { n: 600, mode: 'animation', title: 'Layer by layer (animation)' }),
  comparison: await densityComparisonFigure(trueLogDensity, learned, { data, contours: 6 }),
  'density-1d': await density1dFigure(flow1d, { data: data1d, title: 'A one-dimensional flow over its data' }),
};

const htmlPath = join(outDir, 'plot-gallery.html');
await writeHtml(Object.values(figures), htmlPath, { title: 'tfjs-flows plot gallery' });
console.log(`wrote ${htmlPath} (${(statSync(htmlPath).size / 1e6).toFixed(2)} MB)`);

if (png) {
  if (!findBrowser()) {
    console.log('no Chromium/Chrome found: skipping PNGs (sudo apt-get install -y chromium)');
  } else {
    const renderer = await FigureRenderer.open();
    try {
      for (const [name, fig] of Object.entries(figures)) {
        const path = join(outDir, `${name}.png`);
        await renderPng(fig, path, { renderer });
        console.log(`wrote ${path}`);
      }
    } finally {
      await renderer.close();
    }
  }
}
flow.dispose();
learned.dispose();
flow1d.dispose();
