/**
 * The numbers behind the layer-by-layer figure: base samples and a latent grid of lines pushed
 * through a 2D flow, every intermediate state of `Flow.forwardStates` kept.
 */
import { tf } from '../backend.js';
import { ValidationError } from '../errors.js';
import type { Flow } from '../flow.js';
import { type Seed, toRng } from '../random.js';
import { checkInt, checkOptions } from '../validate.js';
import { checkBounds, linspace, type Range, rangeFromPoints } from './bounds.js';
import { checkContext, checkFlow } from './source.js';

/** What colours a point: its latent polar angle, its latent radius, or a latent coordinate. */
export type ColorBy = 'angle' | 'radius' | 'z1' | 'z2';

export interface LayersFigureOptions {
  /** Base samples pushed through the flow (default 500). */
  n?: number;
  /** Seed of the base samples (default 0). */
  seed?: Seed;
  /** Grid lines per axis in the latent space (default 11; 0 for none). */
  gridLines?: number;
  /** Points along each grid line (default 60): more follow sharp bends better. */
  gridPoints?: number;
  /** Latent region the grid covers, `[[lo, hi], [lo, hi]]` (default: from the base samples). */
  latentBounds?: [Range, Range];
  /** Colour of a point, fixed by where it started (default `'angle'`). */
  colorBy?: ColorBy;
  /** One subplot per state (`'panels'`, default) or one plot with a frame per state and a slider (`'animation'`). */
  mode?: 'panels' | 'animation';
  /** Panels per row (default: up to 3). */
  columns?: number;
  /** One context vector for a conditional flow. */
  context?: number[];
  title?: string;
}

/** The states behind the figure: `samples[k]` and `grid[k]` are row-major `[rows, 2]` after `names[k]`. */
export interface LayerStates {
  names: string[];
  samples: Float32Array[];
  grid: Float32Array[];
  /** Latent sample coordinates, which fix the colours. */
  latent: Float32Array;
  gridLines: number;
  gridPoints: number;
}

/** Rows per `forwardStates` call: bounds memory, not results. */
const BATCH = 4096;

/** Latent grid lines as row-major points: `gridLines` vertical lines, then as many horizontal, each `gridPoints` long. */
function latentGrid(bounds: [Range, Range], lines: number, points: number): Float32Array {
  const out = new Float32Array(2 * lines * points * 2);
  const xs = linspace(bounds[0][0], bounds[0][1], lines);
  const ys = linspace(bounds[1][0], bounds[1][1], lines);
  const tx = linspace(bounds[0][0], bounds[0][1], points);
  const ty = linspace(bounds[1][0], bounds[1][1], points);
  let r = 0;
  for (const c of xs) for (const t of ty) (out[2 * r] = c), (out[2 * r++ + 1] = t);
  for (const c of ys) for (const t of tx) (out[2 * r] = t), (out[2 * r++ + 1] = c);
  return out;
}

/**
 * The numbers behind {@link layersFigure}: `n` base samples `z = flow.base.sample(n, seed)` and a
 * latent grid of lines pushed through the flow, keeping every intermediate state
 * (`Flow.forwardStates`, in batches).
 *
 * @example
 * ```ts
 * const { names, samples } = await layerStates(flow, { n: 100 });
 * samples[names.length - 1]; // Float32Array [100 × 2]: the samples in data space
 * ```
 */
export async function layerStates(flow: Flow, options: Omit<LayersFigureOptions, 'colorBy' | 'mode' | 'columns' | 'title'> = {}): Promise<LayerStates> {
  checkOptions('layerStates', options, ['n', 'seed', 'gridLines', 'gridPoints', 'latentBounds', 'context']);
  return computeLayerStates('layerStates', flow, options);
}

export async function computeLayerStates(fn: string, flow: Flow, options: LayersFigureOptions): Promise<LayerStates> {
  checkFlow(fn, 'flow', flow, 2);
  const n = checkInt(fn, 'options.n', options.n ?? 500);
  const gridLines = checkInt(fn, 'options.gridLines', options.gridLines ?? 11, 0);
  const gridPoints = checkInt(fn, 'options.gridPoints', options.gridPoints ?? 60, 2);
  if (gridLines === 1) throw new ValidationError(fn, 'options.gridLines', '0 or an integer ≥ 2', '1');
  const context = checkContext(fn, flow, options.context);
  const z = flow.base.sample(n, toRng(options.seed ?? 0, fn, 'options.seed'));
  let latent: Float32Array;
  try {
    latent = Float32Array.from(await z.data());
  } finally {
    z.dispose();
  }
  const bounds = options.latentBounds
    ? (checkBounds(fn, 'options.latentBounds', options.latentBounds, 2) as [Range, Range])
    : ([rangeFromPoints(latent, 2, 0, 0), rangeFromPoints(latent, 2, 1, 0)] as [Range, Range]);
  const grid = gridLines > 0 ? latentGrid(bounds, gridLines, gridPoints) : new Float32Array(0);
  const all = new Float32Array(latent.length + grid.length);
  all.set(latent);
  all.set(grid, latent.length);
  const rows = all.length / 2;

  let names: string[] = [];
  let states: Float32Array[] = [];
  for (let start = 0; start < rows; start += BATCH) {
    const count = Math.min(BATCH, rows - start);
    const x = tf.tensor2d(all.subarray(2 * start, 2 * (start + count)), [count, 2]);
    const ctx = context && tf.tidy(() => tf.tile(tf.tensor2d([context]), [count, 1]) as tf.Tensor2D);
    try {
      const r = flow.forwardStates(x, ctx);
      if (start === 0) {
        names = r.names;
        states = r.states.map(() => new Float32Array(2 * rows));
      }
      // One asynchronous read per batch: every state stacked.
      const stacked = tf.stack(r.states);
      tf.dispose(r.states);
      try {
        const values = await stacked.data();
        states.forEach((s, k) => s.set(values.subarray(k * 2 * count, (k + 1) * 2 * count), 2 * start));
      } finally {
        stacked.dispose();
      }
    } finally {
      x.dispose();
      ctx?.dispose();
    }
  }
  return {
    names,
    samples: states.map((s) => s.subarray(0, 2 * n)),
    grid: states.map((s) => s.subarray(2 * n)),
    latent,
    gridLines,
    gridPoints,
  };
}
