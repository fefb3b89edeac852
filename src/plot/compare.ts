/**
 * Side by side: a known (true) density next to a learned one, on one grid with one colour scale.
 */
import { ValidationError, describe } from '../errors.js';
import { Flow } from '../flow.js';
import { checkOptions } from '../validate.js';
import { type Range } from './bounds.js';
import { checkDensityStyle, colourRange, densityTraces, densityValues, type DensityFigureOptions } from './density.js';
import { baseLayout, dataAxis, dimLabel, equalAspectSize, type PlotFigure } from './figure.js';
import { checkResolution, gridLogDensity, resolveBounds } from './grid.js';
import { checkContext, checkLogDensity, type LogDensity } from './source.js';

export interface DensityComparisonOptions extends Omit<DensityFigureOptions, 'showData'> {
  /** Panel titles (default `['true density', 'learned density']`). */
  labels?: [string, string];
}

/**
 * Two heatmaps of `p(x)` (or `log p(x)` with `logScale`), the true density on the left and the
 * learned one on the right, evaluated on the same grid and coloured on one shared scale, so equal
 * colours mean equal densities. Bounds default to `data`'s spread, else to samples of the learned
 * flow (or of `truth` if only it is a flow).
 *
 * @param truth the known density: a log-density function `(points: Tensor2D [batch, 2]) => [batch]` or a `Flow`.
 * @param learned the model: a 2D `Flow` (or a function).
 * @returns traces: truth heatmap (axes x/y), [truth contours], learned heatmap (axes x2/y2), [learned contours].
 * @example
 * ```ts
 * // Two moons' density is not closed-form; a Gaussian mixture's is:
 * const truth = (x: tf.Tensor2D) => mixture.logProb(x);
 * const fig = await densityComparisonFigure(truth, flow, { bounds: [[-4, 4], [-4, 4]] });
 * ```
 */
export async function densityComparisonFigure(truth: LogDensity, learned: LogDensity, options: DensityComparisonOptions = {}): Promise<PlotFigure> {
  const fn = 'densityComparisonFigure';
  checkOptions(fn, options, ['bounds', 'data', 'seed', 'resolution', 'batchSize', 'context', 'logScale', 'logRange', 'contours', 'colorscale', 'labels', 'title']);
  const t = checkLogDensity(fn, 'truth', truth, 2);
  const m = checkLogDensity(fn, 'learned', learned, 2);
  const style = checkDensityStyle(fn, options);
  const labels = options.labels ?? ['true density', 'learned density'];
  if (!Array.isArray(labels) || labels.length !== 2 || !labels.every((l) => typeof l === 'string')) {
    throw new ValidationError(fn, 'options.labels', 'two strings', describe(labels));
  }
  const contextM = checkContext(fn, m, options.context);
  const contextT = t instanceof Flow && t.contextDim > 0 ? checkContext(fn, t, options.context) : undefined;
  const resolution = checkResolution(fn, options.resolution, 100);
  const bounds = (await resolveBounds(fn, options, [m, t], 2, contextM)) as [Range, Range];
  const gt = await gridLogDensity(fn, t, bounds, resolution, { batchSize: options.batchSize, context: contextT });
  const gm = await gridLogDensity(fn, m, bounds, resolution, { batchSize: options.batchSize, context: contextM });
  const zt = densityValues(gt, style.logScale);
  const zm = densityValues(gm, style.logScale);
  const range = colourRange([zt, zm], style);
  const data = [
    ...densityTraces(gt, zt, style, range, { xaxis: 'x', yaxis: 'y', coloraxis: 'coloraxis' }),
    ...densityTraces(gm, zm, style, range, { xaxis: 'x2', yaxis: 'y2', coloraxis: 'coloraxis' }),
  ];
  const panel = (domain: [number, number], suffix: string) => ({
    [`xaxis${suffix}`]: { ...dataAxis(dimLabel('x', 0), bounds[0]), domain, anchor: `y${suffix}` },
    [`yaxis${suffix}`]: { ...dataAxis(dimLabel('x', 1), bounds[1], `x${suffix}`), anchor: `x${suffix}` },
  });
  const title = (text: string, domain: [number, number]) => ({
    text,
    x: (domain[0] + domain[1]) / 2,
    y: 1,
    xref: 'paper',
    yref: 'paper',
    xanchor: 'center',
    yanchor: 'bottom',
    showarrow: false,
    font: { size: 14 },
  });
  const left: [number, number] = [0, 0.44];
  const right: [number, number] = [0.5, 0.94];
  return {
    data,
    layout: baseLayout(options.title ?? (style.logScale ? 'True vs learned log-density' : 'True vs learned density'), {
      ...panel(left, ''),
      ...panel(right, '2'),
      coloraxis: {
        colorscale: style.colorscale,
        ...(range ? { cmin: range[0], cmax: range[1] } : {}),
        colorbar: { title: { text: style.logScale ? 'log p' : 'p' }, x: 0.96, xanchor: 'left' },
      },
      annotations: [title(labels[0], left), title(labels[1], right)],
      showlegend: false,
      // Each panel is 44% of the 910-pixel paper (1000 minus margins).
      ...equalAspectSize(bounds, 400, 600, 110),
    }),
  };
}
