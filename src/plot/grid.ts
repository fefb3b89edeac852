/**
 * Log-densities on a regular grid, the numbers behind every density figure, evaluated in batches.
 */
import { ValidationError } from '../errors.js';
import { Flow } from '../flow.js';
import type { Seed } from '../random.js';
import { checkInt, checkOptions, type MatrixLike } from '../validate.js';
import { checkBounds, linspace, type Range, rangeFromPoints } from './bounds.js';
import {
  checkContext, checkLogDensity, drawSamples, type EvaluationOptions, evaluateLogDensity, type LogDensity, readPoints,
} from './source.js';

/** Where the plotted region comes from: explicit bounds, else data, else samples of a flow. */
export interface BoundsOptions {
  /** Plotted region, one `[lo, hi]` per axis. */
  bounds?: Range[];
  /** Points `[n, dim]` whose spread sets the bounds when `bounds` is omitted. */
  data?: MatrixLike;
  /** Seed of the flow samples that set the bounds when neither `bounds` nor `data` is given (default 0). */
  seed?: Seed;
}

/** A log-density on a grid: `logDensity[j][i]` is at `(x[i], y[j])` (rows follow y, as plotly's heatmaps). */
export interface DensityGrid {
  x: number[];
  y: number[];
  logDensity: number[][];
  bounds: [Range, Range];
}

export interface DensityGridOptions extends BoundsOptions, EvaluationOptions {
  /** Grid points per axis: one number for both, or `[nx, ny]` (default 100). */
  resolution?: number | [number, number];
}

/** Samples drawn to choose bounds from a flow. */
const BOUNDS_SAMPLES = 2000;

/**
 * The plotted region per axis: `options.bounds`, else the spread of `options.data`, else of 2000
 * samples of the first flow among `sources` (seeded by `options.seed`, default 0).
 */
export async function resolveBounds(fn: string, options: BoundsOptions, sources: LogDensity[], dim: number, context?: number[]): Promise<Range[]> {
  if (options.bounds !== undefined) return checkBounds(fn, 'options.bounds', options.bounds, dim);
  let points: Float32Array;
  if (options.data !== undefined) {
    points = (await readPoints(fn, 'options.data', options.data, dim)).values;
  } else {
    const flow = sources.find((s): s is Flow => s instanceof Flow);
    if (!flow) throw new ValidationError(fn, 'options', 'bounds or data when no flow is given to sample from', 'neither');
    points = await drawSamples(flow, BOUNDS_SAMPLES, options.seed ?? 0, context);
  }
  return Array.from({ length: dim }, (_, j) => {
    const r = rangeFromPoints(points, dim, j);
    if (!r) throw new ValidationError(fn, options.data !== undefined ? 'options.data' : 'flow samples', 'some finite values to set bounds from', `none in column ${j}`);
    return r;
  });
}

/** Resolution `[nx, ny]` from a number or a pair (each ≥ 2). */
export function checkResolution(fn: string, value: unknown, fallback: number): [number, number] {
  if (Array.isArray(value) && value.length === 2) {
    return [checkInt(fn, 'options.resolution[0]', value[0], 2), checkInt(fn, 'options.resolution[1]', value[1], 2)];
  }
  const n = checkInt(fn, 'options.resolution', value ?? fallback, 2);
  return [n, n];
}

/** `log p` on the `nx × ny` grid over resolved bounds (the work behind {@link logDensityGrid}). */
export async function gridLogDensity(
  fn: string,
  source: LogDensity,
  bounds: [Range, Range],
  [nx, ny]: [number, number],
  options: EvaluationOptions,
): Promise<DensityGrid> {
  const [bx, by] = bounds;
  const x = linspace(bx[0], bx[1], nx);
  const y = linspace(by[0], by[1], ny);
  const points = new Float32Array(nx * ny * 2);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      points[2 * (j * nx + i)] = x[i];
      points[2 * (j * nx + i) + 1] = y[j];
    }
  }
  const values = await evaluateLogDensity(fn, source, points, 2, options);
  const logDensity = Array.from({ length: ny }, (_, j) => Array.from(values.subarray(j * nx, (j + 1) * nx)));
  return { x, y, logDensity, bounds: [[...bx], [...by]] };
}

/**
 * `log p` at the points of an `nx × ny` grid over `bounds` (both ends included), as `[ny][nx]`;
 * the bounds are chosen from `data` or flow samples when omitted (see `resolveBounds`).
 * Non-finite values (−∞ outside a flow's support) are kept.
 *
 * @param source a 2D `Flow` or a log-density function.
 * @example
 * ```ts
 * const g = await logDensityGrid(flow, { bounds: [[-3, 3], [-3, 3]], resolution: 50 });
 * g.logDensity[0][0]; // log p(−3, −3)
 * ```
 */
export async function logDensityGrid(source: LogDensity, options: DensityGridOptions = {}): Promise<DensityGrid> {
  const fn = 'logDensityGrid';
  checkOptions(fn, options, ['bounds', 'data', 'seed', 'resolution', 'batchSize', 'context']);
  const src = checkLogDensity(fn, 'source', source, 2);
  const context = checkContext(fn, src, options.context);
  const resolution = checkResolution(fn, options.resolution, 100);
  const bounds = (await resolveBounds(fn, options, [src], 2, context)) as [Range, Range];
  return gridLogDensity(fn, src, bounds, resolution, { batchSize: options.batchSize, context });
}
