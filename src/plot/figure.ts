/**
 * Plotly figures as plain data: what every builder in `src/plot/` returns. A figure is the object
 * `Plotly.newPlot(div, figure)` takes, so it can be drawn in a browser, written to HTML
 * (`writeHtml` from 'tfjs-flows/node') or rendered to PNG/SVG. Every number is a plain JavaScript
 * number (no typed arrays), so `JSON.stringify(figure)` is the figure.
 */
import { ValidationError, describe } from '../errors.js';

/** One plotly trace (`type`, `x`, `y`, `z`, `marker`, …); see https://plotly.com/javascript/reference/. */
export interface PlotTrace {
  type: string;
  name?: string;
  [key: string]: unknown;
}

/** Plotly layout (`title`, `xaxis`, `yaxis`, `grid`, …). */
export type PlotLayout = Record<string, unknown>;

/** One animation frame: the traces (by index) it replaces. */
export interface PlotFrame {
  name: string;
  data: PlotTrace[];
  traces?: number[];
  layout?: PlotLayout;
}

/** A plotly figure: `{ data, layout }`, with `frames` for animations. */
export interface PlotFigure {
  data: PlotTrace[];
  layout: PlotLayout;
  frames?: PlotFrame[];
}

/** Colours used across figures (plotly's default palette, so figures look at home next to others). */
export const COLORS = {
  model: '#1f77b4',
  data: '#7f7f7f',
  train: '#1f77b4',
  validation: '#ff7f0e',
  best: '#d62728',
  grid: '#444444',
} as const;

/** Layout keys shared by every figure: white background, compact margins, a title. */
export function baseLayout(title: string | undefined, extra: PlotLayout = {}): PlotLayout {
  return {
    ...(title ? { title: { text: title } } : {}),
    paper_bgcolor: 'white',
    plot_bgcolor: 'white',
    margin: { l: 60, r: 30, t: title ? 60 : 30, b: 50 },
    ...extra,
  };
}

/** An axis of a 2D data plot; `anchorTo` makes one unit on this axis as long as one on that axis. */
export function dataAxis(title: string, range?: [number, number], anchorTo?: string): Record<string, unknown> {
  return {
    title: { text: title },
    zeroline: false,
    showline: true,
    mirror: true,
    linecolor: '#888',
    ticks: 'outside',
    ...(range ? { range: [...range] } : {}),
    ...(anchorTo ? { scaleanchor: anchorTo, scaleratio: 1, constrain: 'domain' } : {}),
  };
}

/** `values` with non-finite entries as `null`, which plotly draws as gaps. */
export function finiteOrNull(values: ArrayLike<number>): (number | null)[] {
  const out = new Array<number | null>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Number.isFinite(values[i]) ? values[i] : null;
  return out;
}

/** Column `j` of a row-major `[n, dim]` array as plain numbers (`null` where not finite). */
export function column(values: ArrayLike<number>, dim: number, j: number): (number | null)[] {
  const n = values.length / dim;
  const out = new Array<number | null>(n);
  for (let i = 0; i < n; i++) {
    const v = values[i * dim + j];
    out[i] = Number.isFinite(v) ? v : null;
  }
  return out;
}

/** Axis title for dimension `j` (0-based): x₁, x₂, … */
/**
 * The axis title of dimension `j`: `labels[j]` when given (e.g. a CSV file's column names), else
 * `prefix` with the 1-based subscript (`x₁`).
 */
export function axisLabel(fn: string, labels: unknown, prefix: string, j: number): string {
  if (labels === undefined) return dimLabel(prefix, j);
  if (!Array.isArray(labels) || labels.length <= j || typeof labels[j] !== 'string') {
    throw new ValidationError(fn, 'options.labels', `an array of strings, one per data dimension (at least ${j + 1})`, describe(labels));
  }
  return labels[j];
}

export function dimLabel(prefix: string, j: number): string {
  const sub = '₀₁₂₃₄₅₆₇₈₉';
  return prefix + String(j + 1).split('').map((c) => sub[Number(c)]).join('');
}

/**
 * Figure size whose plot area of `plotWidth` pixels shows `bounds` at equal scale: the height
 * follows the aspect ratio (kept within 1:3 and 3:1 so extreme ranges stay readable).
 */
export function equalAspectSize(bounds: [[number, number], [number, number]] | [null | [number, number], null | [number, number]], plotWidth: number, extraWidth: number, extraHeight: number): { width: number; height: number } {
  const [bx, by] = bounds;
  const aspect = bx && by ? Math.min(3, Math.max(1 / 3, (by[1] - by[0]) / (bx[1] - bx[0]))) : 1;
  return { width: Math.round(plotWidth + extraWidth), height: Math.round(plotWidth * aspect + extraHeight) };
}
