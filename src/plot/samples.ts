/**
 * Scatter of flow samples (optionally over the training data), with marginal histograms.
 */
import { ValidationError, describe } from '../errors.js';
import { Flow } from '../flow.js';
import type { Seed } from '../random.js';
import { checkInt, checkOptions, type MatrixLike } from '../validate.js';
import { checkBounds, type Range, rangeFromPoints, unionRange } from './bounds.js';
import { axisLabel, baseLayout, COLORS, column, dataAxis, equalAspectSize, type PlotFigure, type PlotTrace } from './figure.js';
import { checkContext, drawSamples, readPoints } from './source.js';

export interface SamplesFigureOptions {
  /** Samples to draw from a flow (default 1000; ignored when points are given). */
  n?: number;
  /** Seed of the flow samples (default 0), so the same call draws the same picture. */
  seed?: Seed;
  /** Training data `[m, dim]` drawn underneath, in grey. */
  data?: MatrixLike;
  /** Histograms of each plotted coordinate along the top and right (default true). */
  marginals?: boolean;
  /** The two coordinates to plot, 0-based (default `[0, 1]`). */
  dims?: [number, number];
  /** Plotted region `[[xlo, xhi], [ylo, yhi]]` (default: from the samples and data). */
  bounds?: [Range, Range];
  /** Histogram bins per axis (default 40). */
  bins?: number;
  /** One context vector for a conditional flow. */
  context?: number[];
  title?: string;
  /** Axis titles by data dimension (e.g. a CSV file's column names; default x₁, x₂, …). */
  labels?: string[];
}

/**
 * Scatter of `n` samples `x ~ flow` (or of given points) in two coordinates, over the training data
 * when given, with marginal histograms normalised as densities so samples and data compare.
 * Axes have equal scale.
 *
 * @param source a `Flow` (dimension ≥ 2), or points `[n, dim]` already drawn.
 * @returns traces in order: data scatter (if `data`), samples scatter, then with `marginals` the
 *   histograms of data and samples for the top (x) and right (y) panels.
 * @example
 * ```ts
 * const fig = await samplesFigure(flow, { n: 2000, data: trainingData, seed: 1 });
 * ```
 */
export async function samplesFigure(source: Flow | MatrixLike, options: SamplesFigureOptions = {}): Promise<PlotFigure> {
  const fn = 'samplesFigure';
  checkOptions(fn, options, ['n', 'seed', 'data', 'marginals', 'dims', 'bounds', 'bins', 'context', 'title', 'labels']);
  let samples: Float32Array;
  let dim: number;
  if (source instanceof Flow) {
    dim = source.dim;
    const n = checkInt(fn, 'options.n', options.n ?? 1000);
    samples = await drawSamples(source, n, options.seed ?? 0, checkContext(fn, source, options.context));
  } else {
    if (options.n !== undefined) throw new ValidationError(fn, 'options.n', 'absent when points are given (their count is the sample size)', describe(options.n));
    const pts = await readPoints(fn, 'source', source);
    samples = pts.values;
    dim = pts.cols;
  }
  const [i, j] = checkDims(fn, options.dims ?? [0, 1], dim);
  const data = options.data === undefined ? null : (await readPoints(fn, 'options.data', options.data, dim)).values;
  const bins = checkInt(fn, 'options.bins', options.bins ?? 40);
  const marginals = options.marginals ?? true;
  const sets = data ? [samples, data] : [samples];
  const bounds: [Range | null, Range | null] = options.bounds
    ? (checkBounds(fn, 'options.bounds', options.bounds, 2) as [Range, Range])
    : [unionRange(sets.map((s) => rangeFromPoints(s, dim, i))), unionRange(sets.map((s) => rangeFromPoints(s, dim, j)))];

  const traces: PlotTrace[] = [];
  const scatter = (values: Float32Array, name: string, color: string, size: number, opacity: number): PlotTrace => ({
    type: 'scatter',
    mode: 'markers',
    name,
    x: column(values, dim, i),
    y: column(values, dim, j),
    marker: { color, size, opacity },
  });
  if (data) traces.push(scatter(data, 'data', COLORS.data, 4, 0.5));
  traces.push(scatter(samples, 'samples', COLORS.model, 4, 0.6));
  const xLabel = axisLabel(fn, options.labels, 'x', i);
  const yLabel = axisLabel(fn, options.labels, 'x', j);
  const layout = baseLayout(options.title ?? 'Samples', {
    xaxis: dataAxis(xLabel, bounds[0] ?? undefined),
    yaxis: dataAxis(yLabel, bounds[1] ?? undefined, 'x'),
    legend: { x: 1, xanchor: 'right', y: 1, yanchor: 'top', bgcolor: 'rgba(255,255,255,0.8)' },
    barmode: 'overlay',
  });
  if (marginals) {
    const hist = (values: Float32Array, col: number, name: string, color: string, horizontal: boolean, range: Range | null): PlotTrace => {
      const size = range ? (range[1] - range[0]) / bins : undefined;
      const coords = column(values, dim, col);
      return {
        type: 'histogram',
        name,
        showlegend: false,
        ...(horizontal ? { y: coords, orientation: 'h', xaxis: 'x2', yaxis: 'y' } : { x: coords, xaxis: 'x', yaxis: 'y2' }),
        histnorm: 'probability density',
        ...(size ? { [horizontal ? 'ybins' : 'xbins']: { start: range![0], end: range![1], size } } : { nbinsx: bins, nbinsy: bins }),
        marker: { color },
        opacity: 0.5,
        hoverinfo: 'skip',
      };
    };
    for (const horizontal of [false, true]) {
      const col = horizontal ? j : i;
      const range = bounds[horizontal ? 1 : 0];
      if (data) traces.push(hist(data, col, 'data', COLORS.data, horizontal, range));
      traces.push(hist(samples, col, 'samples', COLORS.model, horizontal, range));
    }
    Object.assign(layout, {
      xaxis: { ...(layout.xaxis as object), domain: [0, 0.8] },
      yaxis: { ...(layout.yaxis as object), domain: [0, 0.8] },
      xaxis2: { domain: [0.83, 1], anchor: 'y', showticklabels: false, ticks: '', showgrid: false, zeroline: false },
      yaxis2: { domain: [0.83, 1], anchor: 'x', showticklabels: false, ticks: '', showgrid: false, zeroline: false },
      legend: { x: 1, xanchor: 'right', y: 1, yanchor: 'top' },
    });
  }
  // The main panel is 80% of the paper with marginals (the paper is the figure minus 90 × 110 of margins).
  const share = marginals ? 0.8 : 1;
  const size = equalAspectSize(bounds, 440, 90 + (marginals ? 110 : 0), 0);
  layout.width = size.width;
  layout.height = Math.round(size.height / share + 110);
  return { data: traces, layout };
}

function checkDims(fn: string, dims: unknown, dim: number): [number, number] {
  if (dim < 2) throw new ValidationError(fn, 'source', 'a flow or points of dimension ≥ 2 (use density1dFigure for one dimension)', `dimension ${dim}`);
  if (!Array.isArray(dims) || dims.length !== 2 || !dims.every((d) => Number.isInteger(d) && d >= 0 && d < dim) || dims[0] === dims[1]) {
    throw new ValidationError(fn, 'options.dims', `two different coordinates in 0…${dim - 1}`, describe(dims));
  }
  return [dims[0], dims[1]];
}
