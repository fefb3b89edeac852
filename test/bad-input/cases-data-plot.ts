/** Bad inputs to the toy datasets, the figure builders, writeHtml and renderPng. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Flow, FileFormatError, datasets, density1dFigure, densityComparisonFigure, densityFigure, layerStates, layersFigure,
  logDensityGrid, maskedAutoregressiveFlow, realNVP, samplesFigure, tf, trainingCurvesFigure,
} from '../../src/index.js';
import { figuresToHtml, renderPng, renderSvg, writeHtml } from '../../src/node.js';
import type { BadCase } from '../helpers/bad-input.js';

const f = {} as { flow: Flow; cond: Flow; dir: string };
export function setupPlotFixtures(): void {
  f.flow = realNVP({ dim: 2, layers: 2, hidden: [4], seed: 1 });
  f.cond = maskedAutoregressiveFlow({ dim: 2, layers: 1, hidden: [4], contextDim: 1, seed: 2 });
  f.dir = mkdtempSync(join(tmpdir(), 'tfjs-flows-bad-plot-'));
  writeFileSync(join(f.dir, 'a-file'), 'not a directory');
  mkdirSync(join(f.dir, 'a-dir'));
}
export function teardownPlotFixtures(): void {
  rmSync(f.dir, { recursive: true, force: true });
  f.flow.dispose();
  f.cond.dispose();
}

/** Stands in for a FigureRenderer so the write error can be tested without a browser. */
const fakeRenderer = { png: async () => Buffer.from('png'), svg: async () => '<svg/>' } as never;
const fig = { data: [{ type: 'scatter', x: [0], y: [0] }], layout: {} };
const logNormal = (x: tf.Tensor2D) => tf.tidy(() => tf.mul(-0.5, tf.sum(tf.square(x), 1)) as tf.Tensor1D);

export const PLOT_CASES: BadCase[] = [
  // datasets
  { name: 'datasets.moons: n = 0', run: () => datasets.moons(0), arg: 'n' },
  { name: 'datasets.moons: negative n', run: () => datasets.moons(-5), arg: 'n' },
  { name: 'datasets.moons: non-integer n', run: () => datasets.moons(10.5), arg: 'n' },
  { name: 'datasets.moons: n a string', run: () => datasets.moons('100' as never), arg: 'n' },
  { name: 'datasets.moons: negative noise', run: () => datasets.moons(10, { noise: -0.1 }), arg: 'options.noise' },
  { name: 'datasets.moons: NaN noise', run: () => datasets.moons(10, { noise: NaN }), arg: 'options.noise' },
  { name: 'datasets.moons: unknown option', run: () => datasets.moons(10, { nosie: 0.1 } as never), arg: 'options' },
  { name: 'datasets.moons: bad seed', run: () => datasets.moons(10, { seed: [1] as never }), arg: 'options.seed' },
  { name: 'datasets.checkerboard: noise is not an option', run: () => datasets.checkerboard(10, { noise: 0.1 } as never), arg: 'options' },
  { name: 'datasets.pinwheel: n = 0', run: () => datasets.pinwheel(0), arg: 'n' },
  { name: 'datasets.eightGaussians: unknown option', run: () => datasets.eightGaussians(4, { sigma: 1 } as never), arg: 'options' },
  { name: 'datasets.twoSpirals: Infinity n', run: () => datasets.twoSpirals(Infinity), arg: 'n' },
  { name: 'datasets.circles: n null', run: () => datasets.circles(null as never), arg: 'n' },
  { name: 'datasets.rings: options an array', run: () => datasets.rings(4, [] as never), arg: 'options' },
  { name: 'datasets.swissRoll: n = 0', run: () => datasets.swissRoll(0), arg: 'n' },
  // figures
  { name: 'densityFigure: not a source', run: () => densityFigure(42 as never), arg: /source/ },
  { name: 'densityFigure: flow of dimension 3', given: () => realNVP({ dim: 3, layers: 2, hidden: [2] }), run: (fl) => densityFigure(fl), arg: /source/ },
  { name: 'densityFigure: unknown option', run: () => densityFigure(f.flow, { resoluton: 10 } as never), arg: 'options' },
  { name: 'densityFigure: resolution 0', run: () => densityFigure(f.flow, { resolution: 0 }), arg: /resolution/ },
  { name: 'densityFigure: inverted bounds', run: () => densityFigure(f.flow, { bounds: [[1, -1], [-1, 1]] }), arg: /bounds/ },
  { name: 'densityFigure: NaN bounds', run: () => densityFigure(f.flow, { bounds: [[NaN, 1], [-1, 1]] }), arg: /bounds/ },
  { name: 'densityFigure: data of wrong width', run: () => densityFigure(f.flow, { data: [[1, 2, 3]] }), arg: /data/ },
  { name: 'densityFigure: missing context', run: () => densityFigure(f.cond, { bounds: [[-1, 1], [-1, 1]], resolution: 4 }), arg: /context/ },
  { name: 'densityFigure: context on an unconditional flow', run: () => densityFigure(f.flow, { context: [1] }), arg: /context/ },
  { name: 'densityFigure: function returning the wrong length', run: () => densityFigure(() => new Float32Array(3), { bounds: [[-1, 1], [-1, 1]], resolution: 4 }), arg: /source|logDensity/ },
  { name: 'logDensityGrid: resolution 2.5', run: () => logDensityGrid(f.flow, { resolution: 2.5 }), arg: /resolution/ },
  { name: 'logDensityGrid: batchSize -1', run: () => logDensityGrid(f.flow, { batchSize: -1 } as never), arg: /batchSize/ },
  { name: 'samplesFigure: ragged data', run: () => samplesFigure([[1, 2], [3]]), arg: /source|data/ },
  { name: 'samplesFigure: NaN data', run: () => samplesFigure([[1, 2], [NaN, 3]]), arg: /source|data/ },
  { name: 'samplesFigure: n = 0', run: () => samplesFigure(f.flow, { n: 0 }), arg: /n/ },
  { name: 'samplesFigure: dims out of range', run: () => samplesFigure(f.flow, { dims: [0, 5] }), arg: /dims/ },
  { name: 'samplesFigure: unknown option', run: () => samplesFigure(f.flow, { marginal: true } as never), arg: 'options' },
  { name: 'samplesFigure: missing context', run: () => samplesFigure(f.cond, { n: 4 }), arg: /context/ },
  { name: 'density1dFigure: 2D flow', run: () => density1dFigure(f.flow), arg: /source/ },
  { name: 'densityComparisonFigure: truth not a density', run: () => densityComparisonFigure('u1' as never, f.flow), arg: /truth/ },
  { name: 'densityComparisonFigure: unknown option', run: () => densityComparisonFigure(logNormal, f.flow, { log: true } as never), arg: 'options' },
  { name: 'layersFigure: not a flow', run: () => layersFigure({} as never), arg: /flow/ },
  { name: 'layersFigure: n = 0', run: () => layersFigure(f.flow, { n: 0 }), arg: /n/ },
  { name: 'layersFigure: unknown colorBy', run: () => layersFigure(f.flow, { colorBy: 'hue' as never }), arg: /colorBy/ },
  { name: 'layersFigure: missing context', run: () => layersFigure(f.cond, { n: 4 }), arg: /context/ },
  { name: 'layerStates: unknown option', run: () => layerStates(f.flow, { colorBy: 'x' } as never), arg: 'options' },
  { name: 'trainingCurvesFigure: not a history', run: () => trainingCurvesFigure(null as never), arg: /history/ },
  { name: 'trainingCurvesFigure: steps and loss of different lengths', run: () => trainingCurvesFigure({ steps: [1, 2], loss: [1] }), arg: /history/ },
  { name: 'trainingCurvesFigure: smoothing 1', run: () => trainingCurvesFigure({ steps: [1], loss: [1] }, { smoothing: 1 }), arg: /smoothing/ },
  // HTML and PNG
  { name: 'figuresToHtml: empty array', run: () => figuresToHtml([]), arg: 'figures' },
  { name: 'figuresToHtml: not a figure', run: () => figuresToHtml([fig, { data: 'x' } as never]), arg: 'figures[1]' },
  { name: 'writeHtml: path not a string', run: () => writeHtml(fig as never, 42 as never), arg: 'path' },
  { name: 'writeHtml: unknown option', run: () => writeHtml(fig as never, join(f.dir, 'x.html'), { titel: 'x' } as never), arg: 'options' },
  { name: 'writeHtml: path under a file', run: () => writeHtml(fig as never, join(f.dir, 'a-file', 'x.html')), error: FileFormatError, message: /a-file.*could not be written \(a parent of the path is not a directory|a-file.*could not be written/ },
  { name: 'writeHtml: path is a directory', run: () => writeHtml(fig as never, join(f.dir, 'a-dir')), error: FileFormatError, message: /a-dir: could not be written \(is a directory, not an HTML file\)/ },
  { name: 'renderPng: not a figure (checked before a browser starts)', run: () => renderPng({ nope: 1 } as never, join(f.dir, 'x.png')), arg: 'figure' },
  { name: 'renderPng: width 0', run: () => renderPng(fig as never, join(f.dir, 'x.png'), { width: 0 }), arg: 'options.width' },
  { name: 'renderPng: unknown option', run: () => renderPng(fig as never, join(f.dir, 'x.png'), { dpi: 300 } as never), arg: 'options' },
  { name: 'renderPng: empty path', run: () => renderPng(fig as never, ''), arg: 'path' },
  { name: 'renderPng: path is a directory', run: () => renderPng(fig as never, join(f.dir, 'a-dir'), { renderer: fakeRenderer }), error: FileFormatError, message: /a-dir: could not be written \(is a directory, not an image file\)/ },
  { name: 'renderSvg: scale -1', run: () => renderSvg(fig as never, join(f.dir, 'x.svg'), { scale: -1 }), arg: 'options.scale' },
];
