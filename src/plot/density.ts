/**
 * Heatmap of a 2D density, `p(x) = exp(log p(x))` on a grid, with optional contours and data overlay.
 */
import { ValidationError, describe } from '../errors.js';
import { checkInt, checkNumber, checkOptions } from '../validate.js';
import { axisLabel, baseLayout, column, dataAxis, equalAspectSize, type PlotFigure, type PlotTrace } from './figure.js';
import { checkResolution, type DensityGrid, type DensityGridOptions, gridLogDensity, resolveBounds } from './grid.js';
import { type Range } from './bounds.js';
import { checkContext, checkLogDensity, type LogDensity, readPoints } from './source.js';

export interface DensityFigureOptions extends DensityGridOptions {
  /** Colour by `log p` instead of `p` (default false). */
  logScale?: boolean;
  /** With `logScale`, the colours span `[max log p − logRange, max log p]` (default 10 nats). */
  logRange?: number;
  /** Contour lines over the heatmap: a number of evenly spaced levels, `true` for 8 (default none). */
  contours?: boolean | number;
  /** Draw `options.data` as points over the heatmap (default false). */
  showData?: boolean;
  /** Plotly colour scale name or array (default `'Viridis'`). */
  colorscale?: string | [number, string][];
  title?: string;
  /** Axis titles of the two dimensions (e.g. a CSV file's column names; default x₁, x₂). */
  labels?: string[];
}

/** Heatmap values from a grid: `p` (0 where `log p = −∞`) or `log p` (gaps where not finite). */
export function densityValues(grid: DensityGrid, logScale: boolean): (number | null)[][] {
  return grid.logDensity.map((row) =>
    row.map((lp) => (logScale ? (Number.isFinite(lp) ? lp : null) : lp === -Infinity ? 0 : Number.isFinite(lp) ? Math.exp(lp) : null)),
  );
}

/** Largest and smallest finite entries of a `(number | null)[][]`. */
export function finiteExtent(z: (number | null)[][]): Range | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of z) for (const v of row) if (v !== null) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  return lo <= hi ? [lo, hi] : null;
}

/** Drawing options the density and comparison figures share, checked. */
export interface DensityStyle {
  logScale: boolean;
  logRange: number;
  /** Number of contour levels, 0 for none. */
  contours: number;
  colorscale: string | [number, string][];
}

/** The colour range of heatmap values: their extent, cut to the top `logRange` nats on a log scale. */
export function colourRange(zs: (number | null)[][][], style: DensityStyle): Range | null {
  const extents = zs.map(finiteExtent).filter((e): e is Range => e !== null);
  if (extents.length === 0) return null;
  const lo = Math.min(...extents.map((e) => e[0]));
  const hi = Math.max(...extents.map((e) => e[1]));
  return style.logScale ? [Math.max(lo, hi - style.logRange), hi] : [lo, hi];
}

/**
 * Heatmap (and contour) traces of heatmap values `z` on a grid; shared by the density and
 * comparison figures. Contour levels are evenly spaced inside `range`, so panels sharing a range
 * share levels. With `coloraxis`, colours come from that layout colour axis.
 */
export function densityTraces(
  grid: DensityGrid,
  z: (number | null)[][],
  style: DensityStyle,
  range: Range | null,
  extra: { xaxis?: string; yaxis?: string; coloraxis?: string } = {},
): PlotTrace[] {
  const axes = extra.xaxis ? { xaxis: extra.xaxis, yaxis: extra.yaxis } : {};
  const label = style.logScale ? 'log p' : 'p';
  const heatmap: PlotTrace = {
    type: 'heatmap',
    name: style.logScale ? 'log density' : 'density',
    x: grid.x,
    y: grid.y,
    z,
    ...(extra.coloraxis
      ? { coloraxis: extra.coloraxis }
      : { colorscale: style.colorscale, ...(range ? { zmin: range[0], zmax: range[1] } : {}), colorbar: { title: { text: label } } }),
    hovertemplate: `x₁ %{x:.3g}<br>x₂ %{y:.3g}<br>${label} %{z:.4g}<extra></extra>`,
    ...axes,
  };
  if (style.contours === 0 || !range || !(range[1] > range[0])) return [heatmap];
  const size = (range[1] - range[0]) / (style.contours + 1);
  const contour: PlotTrace = {
    type: 'contour',
    name: 'contours',
    x: grid.x,
    y: grid.y,
    z,
    autocontour: false,
    contours: { coloring: 'none', start: range[0] + size, end: range[1] - size / 2, size },
    line: { color: 'rgba(255,255,255,0.75)', width: 1 },
    showscale: false,
    hoverinfo: 'skip',
    ...axes,
  };
  return [heatmap, contour];
}

/** Check the drawing options the density and comparison figures share. */
export function checkDensityStyle(fn: string, options: { logScale?: boolean; logRange?: number; contours?: boolean | number; colorscale?: string | [number, string][] }): DensityStyle {
  const c = options.contours ?? false;
  let contours: number;
  if (typeof c === 'boolean') contours = c ? 8 : 0;
  else if (typeof c === 'number') contours = checkInt(fn, 'options.contours', c, 0);
  else throw new ValidationError(fn, 'options.contours', 'a boolean or a number of levels', describe(c));
  if (options.logScale !== undefined && typeof options.logScale !== 'boolean') throw new ValidationError(fn, 'options.logScale', 'a boolean', describe(options.logScale));
  return {
    logScale: options.logScale ?? false,
    logRange: checkNumber(fn, 'options.logRange', options.logRange ?? 10, { min: 0, open: true }),
    contours,
    colorscale: checkColorscale(fn, options.colorscale),
  };
}

/** A plotly colorscale: a name such as 'Viridis', or [[0, colour], …, [1, colour]] with rising stops. */
function checkColorscale(fn: string, value: unknown): string | [number, string][] {
  if (value === undefined) return 'Viridis';
  if (typeof value === 'string' && value !== '') return value;
  const ok =
    Array.isArray(value) &&
    value.length >= 2 &&
    value.every((s, i) => Array.isArray(s) && s.length === 2 && typeof s[0] === 'number' && s[0] >= 0 && s[0] <= 1 && typeof s[1] === 'string' && (i === 0 || s[0] >= value[i - 1][0]));
  if (!ok) throw new ValidationError(fn, 'options.colorscale', "a colorscale name (e.g. 'Viridis') or [[0, colour], …, [1, colour]] with rising stops in [0, 1]", describe(value));
  return value as [number, string][];
}

/**
 * Heatmap of `p(x) = exp(log p(x))` for a 2D flow or log-density function on an `nx × ny` grid
 * (default 100 × 100), evaluated in batches. Bounds default to the spread of `data`, else of 2000
 * flow samples (0.1–99.9% quantiles plus 10% either side). Axes have equal scale.
 *
 * @param source a `Flow` of dimension 2, or `(points: Tensor2D [batch, 2]) => log-densities [batch]`.
 * @returns a plotly figure: a heatmap, then a contour trace if `contours`, then a data scatter if `showData`.
 * @example
 * ```ts
 * const fig = await densityFigure(flow, { data: trainingData, logScale: true, contours: 8, showData: true });
 * await writeHtml([fig], 'density.html'); // from 'tfjs-flows/node'
 * ```
 */
export async function densityFigure(source: LogDensity, options: DensityFigureOptions = {}): Promise<PlotFigure> {
  const fn = 'densityFigure';
  checkOptions(fn, options, [
    'bounds', 'data', 'seed', 'resolution', 'batchSize', 'context', 'logScale', 'logRange', 'contours', 'showData', 'colorscale', 'title', 'labels',
  ]);
  const src = checkLogDensity(fn, 'source', source, 2);
  const context = checkContext(fn, src, options.context);
  const style = checkDensityStyle(fn, options);
  const resolution = checkResolution(fn, options.resolution, 100);
  const bounds = (await resolveBounds(fn, options, [src], 2, context)) as [Range, Range];
  const grid = await gridLogDensity(fn, src, bounds, resolution, { batchSize: options.batchSize, context });
  const z = densityValues(grid, style.logScale);
  const data: PlotTrace[] = densityTraces(grid, z, style, colourRange([z], style));
  if (options.showData) {
    if (options.data === undefined) throw new ValidationError(fn, 'options.data', 'points [n, 2] (showData draws them)', 'undefined');
    const pts = (await readPoints(fn, 'options.data', options.data, 2)).values;
    data.push(dataScatter(pts));
  }
  return {
    data,
    layout: baseLayout(options.title ?? (style.logScale ? 'Log-density' : 'Density'), {
      xaxis: dataAxis(axisLabel(fn, options.labels, 'x', 0), bounds[0]),
      yaxis: dataAxis(axisLabel(fn, options.labels, 'x', 1), bounds[1], 'x'),
      showlegend: false,
      // 60 + 30 margins and about 90 pixels of colour bar beside a 460-pixel plot.
      ...equalAspectSize(bounds, 460, 180, 110),
    }),
  };
}

/** Data points drawn small and white over a heatmap. */
function dataScatter(points: Float32Array): PlotTrace {
  return {
    type: 'scatter',
    mode: 'markers',
    name: 'data',
    x: column(points, 2, 0),
    y: column(points, 2, 1),
    marker: { size: 4, color: 'white', opacity: 0.8, line: { width: 0.5, color: 'black' } },
    hoverinfo: 'skip',
  };
}
