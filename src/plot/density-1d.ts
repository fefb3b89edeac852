/**
 * One-dimensional flows: the density curve `p(x)` over a histogram of the data (or of samples).
 */
import { ValidationError, describe } from '../errors.js';
import { Flow } from '../flow.js';
import type { Seed } from '../random.js';
import { checkInt, checkOptions, type MatrixLike } from '../validate.js';
import { checkRange, linspace, type Range } from './bounds.js';
import { axisLabel, baseLayout, COLORS, type PlotFigure, type PlotTrace } from './figure.js';
import { resolveBounds } from './grid.js';
import { checkContext, checkLogDensity, drawSamples, type EvaluationOptions, evaluateLogDensity, type LogDensity, readPoints } from './source.js';

export interface Density1dOptions extends EvaluationOptions {
  /** Data `[n, 1]` for the histogram (and the bounds). */
  data?: MatrixLike;
  /** Plotted interval `[lo, hi]` (default: from the data, else from flow samples). */
  bounds?: Range;
  /** Points on the density curve (default 400). */
  resolution?: number;
  /** Histogram bins over the plotted interval (default 50). */
  bins?: number;
  /** Without data, histogram `n` flow samples instead (default 2000; 0 for no histogram). */
  n?: number;
  /** Seed of those samples and of the samples that choose bounds (default 0). */
  seed?: Seed;
  /** Logarithmic density axis (default false). */
  logScale?: boolean;
  title?: string;
  /** The axis title of the dimension (e.g. a CSV file's column name; default x). */
  labels?: string[];
}

/**
 * The density curve `p(x) = exp(log p(x))` of a one-dimensional flow or log-density function on
 * `resolution` points, over a histogram normalised as a density (`histnorm: 'probability density'`),
 * so the two agree when the model fits: the data's histogram when `data` is given, else that of `n`
 * samples of the flow (which checks sampling against the density).
 *
 * @param source a `Flow` of dimension 1, or `(points: Tensor2D [batch, 1]) => log-densities [batch]`.
 * @returns traces: the histogram (if any), then the density curve.
 * @example
 * ```ts
 * const fig = await density1dFigure(flow, { data: x.map((v) => [v]), bins: 60 });
 * ```
 */
export async function density1dFigure(source: LogDensity, options: Density1dOptions = {}): Promise<PlotFigure> {
  const fn = 'density1dFigure';
  checkOptions(fn, options, ['data', 'bounds', 'resolution', 'bins', 'n', 'seed', 'logScale', 'batchSize', 'context', 'title', 'labels']);
  const src = checkLogDensity(fn, 'source', source, 1);
  const context = checkContext(fn, src, options.context);
  const resolution = checkInt(fn, 'options.resolution', options.resolution ?? 400, 2);
  const bins = checkInt(fn, 'options.bins', options.bins ?? 50);
  const logScale = options.logScale ?? false;
  if (typeof logScale !== 'boolean') throw new ValidationError(fn, 'options.logScale', 'a boolean', describe(logScale));
  const [lo, hi] = options.bounds !== undefined
    ? checkRange(fn, 'options.bounds', options.bounds)
    : (await resolveBounds(fn, { data: options.data, seed: options.seed }, [src], 1, context))[0];

  let histogram: { values: Float32Array; name: string; color: string } | null = null;
  if (options.data !== undefined) {
    histogram = { values: (await readPoints(fn, 'options.data', options.data, 1)).values, name: 'data', color: COLORS.data };
  } else if (src instanceof Flow) {
    const n = checkInt(fn, 'options.n', options.n ?? 2000, 0);
    if (n > 0) histogram = { values: await drawSamples(src, n, options.seed ?? 0, context), name: `${n} samples`, color: COLORS.model };
  }

  const x = linspace(lo, hi, resolution);
  const lp = await evaluateLogDensity(fn, src, Float32Array.from(x), 1, { batchSize: options.batchSize, context });
  const p = Array.from(lp, (v) => (v === -Infinity ? (logScale ? null : 0) : Number.isFinite(v) ? Math.exp(v) : null));
  const traces: PlotTrace[] = [];
  if (histogram) {
    traces.push({
      type: 'histogram',
      name: histogram.name,
      x: Array.from(histogram.values),
      histnorm: 'probability density',
      xbins: { start: lo, end: hi, size: (hi - lo) / bins },
      marker: { color: histogram.color, line: { color: 'white', width: 0.5 } },
      opacity: 0.45,
    });
  }
  traces.push({ type: 'scatter', mode: 'lines', name: 'density p(x)', x, y: p, line: { color: COLORS.model, width: 2.5 } });
  return {
    data: traces,
    layout: baseLayout(options.title ?? 'Density', {
      xaxis: { title: { text: options.labels === undefined ? 'x' : axisLabel(fn, options.labels, 'x', 0) }, range: [lo, hi], showline: true, linecolor: '#888', ticks: 'outside', zeroline: false },
      yaxis: { title: { text: 'p(x)' }, type: logScale ? 'log' : 'linear', rangemode: logScale ? undefined : 'tozero', showline: true, linecolor: '#888', ticks: 'outside', gridcolor: '#eee' },
      bargap: 0,
      legend: { x: 1, xanchor: 'right', y: 1, yanchor: 'top', bgcolor: 'rgba(255,255,255,0.8)' },
      width: 700,
      height: 420,
    }),
  };
}
