/**
 * Layer by layer: how a 2D flow carries points from the base distribution to the data, one panel (or
 * animation frame) per intermediate state of `Flow.forwardStates`.
 */
import type { Flow } from '../flow.js';
import { ValidationError, describe } from '../errors.js';
import { checkInt, checkOptions } from '../validate.js';
import { rangeFromPoints, unionRange } from './bounds.js';
import { baseLayout, column, dataAxis, dimLabel, equalAspectSize, type PlotFigure, type PlotFrame, type PlotLayout, type PlotTrace } from './figure.js';
import { type ColorBy, computeLayerStates, type LayersFigureOptions } from './layer-states.js';

/** A cyclic colour scale (hue around the circle) for angles. */
const CYCLIC: [number, string][] = Array.from({ length: 13 }, (_, k) => [k / 12, `hsl(${30 * k}, 75%, 48%)`]);

/** Grid points as one line trace, `null` between lines so plotly does not join them. */
function gridTrace(grid: Float32Array, points: number, axes: Record<string, string>): PlotTrace {
  const x: (number | null)[] = [];
  const y: (number | null)[] = [];
  const rows = grid.length / 2;
  for (let r = 0; r < rows; r++) {
    const gx = grid[2 * r];
    const gy = grid[2 * r + 1];
    x.push(Number.isFinite(gx) && Number.isFinite(gy) ? gx : null);
    y.push(Number.isFinite(gx) && Number.isFinite(gy) ? gy : null);
    if ((r + 1) % points === 0 && r + 1 < rows) (x.push(null), y.push(null));
  }
  return { type: 'scatter', mode: 'lines', name: 'grid', x, y, line: { color: 'rgba(40,40,40,0.5)', width: 0.8 }, hoverinfo: 'skip', showlegend: false, ...axes };
}

/** Colour values of the latent samples and the scale they use. */
function colours(latent: Float32Array, by: ColorBy): { color: number[]; colorscale: string | [number, string][]; cmin?: number; cmax?: number } {
  const n = latent.length / 2;
  const value = (i: number) => {
    const a = latent[2 * i];
    const b = latent[2 * i + 1];
    return by === 'angle' ? Math.atan2(b, a) : by === 'radius' ? Math.hypot(a, b) : by === 'z1' ? a : b;
  };
  const color = Array.from({ length: n }, (_, i) => value(i));
  return by === 'angle' ? { color, colorscale: CYCLIC, cmin: -Math.PI, cmax: Math.PI } : { color, colorscale: 'Viridis' };
}

function samplesTrace(samples: Float32Array, c: ReturnType<typeof colours>, axes: Record<string, string>): PlotTrace {
  return {
    type: 'scatter',
    mode: 'markers',
    name: 'samples',
    x: column(samples, 2, 0),
    y: column(samples, 2, 1),
    marker: { size: 3.5, opacity: 0.85, ...c, showscale: false },
    hoverinfo: 'skip',
    showlegend: false,
    ...axes,
  };
}

function stateTitle(names: string[], k: number): string {
  if (k === 0) return 'base z';
  return `${k}. after ${names[k]}${k === names.length - 1 ? ' = x' : ''}`;
}

/**
 * How the flow moves points from the base to the data: `n` base samples `z ~ base`, coloured by
 * where they started (their latent angle by default), and a grid of latent lines, drawn after each
 * bijector (`Flow.forwardStates`): state 0 is the latent space, the last is the data space. Each panel
 * has equal axis scales. In `'animation'` mode one plot steps (and morphs) through the states.
 *
 * @param flow a `Flow` of dimension 2.
 * @returns panels mode: two traces per state `[grid, samples]` on axes `x{k+1}`/`y{k+1}`; animation
 *   mode: the same two traces for state 0 plus one frame per state.
 * @example
 * ```ts
 * const fig = await layersFigure(flow, { n: 1000, mode: 'animation' });
 * ```
 */
export async function layersFigure(flow: Flow, options: LayersFigureOptions = {}): Promise<PlotFigure> {
  const fn = 'layersFigure';
  checkOptions(fn, options, ['n', 'seed', 'gridLines', 'gridPoints', 'latentBounds', 'colorBy', 'mode', 'columns', 'context', 'title']);
  const colorBy = options.colorBy ?? 'angle';
  if (!['angle', 'radius', 'z1', 'z2'].includes(colorBy)) throw new ValidationError(fn, 'options.colorBy', "'angle', 'radius', 'z1' or 'z2'", describe(colorBy));
  const mode = options.mode ?? 'panels';
  if (mode !== 'panels' && mode !== 'animation') throw new ValidationError(fn, 'options.mode', "'panels' or 'animation'", describe(mode));
  const st = await computeLayerStates(fn, flow, options);
  const c = colours(st.latent, colorBy);
  const count = st.names.length;
  const title = options.title ?? 'Layer by layer';
  const withGrid = st.gridLines > 0;
  const traces = (k: number, axes: Record<string, string>) => [
    ...(withGrid ? [gridTrace(st.grid[k], st.gridPoints, axes)] : []),
    samplesTrace(st.samples[k], c, axes),
  ];

  if (mode === 'animation') {
    const range = (j: number) => unionRange(st.samples.flatMap((s, k) => [rangeFromPoints(s, 2, j), withGrid ? rangeFromPoints(st.grid[k], 2, j, 0.02) : null]));
    const rx = range(0);
    const ry = range(1);
    const frames: PlotFrame[] = st.names.map((_, k) => ({ name: String(k), data: traces(k, {}), traces: withGrid ? [0, 1] : [0] }));
    const step = { frame: { duration: 900, redraw: false }, transition: { duration: 600, easing: 'cubic-in-out' }, mode: 'immediate' };
    return {
      data: traces(0, {}),
      frames,
      layout: baseLayout(title, {
        xaxis: dataAxis(dimLabel('x', 0), rx ?? undefined),
        yaxis: dataAxis(dimLabel('x', 1), ry ?? undefined, 'x'),
        margin: { l: 60, r: 30, t: 60, b: 130 },
        ...equalAspectSize([rx, ry], 500, 90, 190),
        updatemenus: [
          {
            type: 'buttons',
            showactive: false,
            x: 0,
            y: -0.12,
            xanchor: 'left',
            yanchor: 'top',
            direction: 'left',
            buttons: [
              { label: '▶ play', method: 'animate', args: [null, { ...step, fromcurrent: true }] },
              { label: '❚❚ pause', method: 'animate', args: [[null], { ...step, frame: { duration: 0, redraw: false }, transition: { duration: 0 } }] },
            ],
          },
        ],
        sliders: [
          {
            active: 0,
            x: 0.25,
            len: 0.75,
            y: -0.1,
            yanchor: 'top',
            currentvalue: { prefix: 'state ', xanchor: 'right' },
            steps: st.names.map((name, k) => ({ label: k === 0 ? 'base' : name, method: 'animate', args: [[String(k)], step] })),
          },
        ],
      }),
    };
  }

  const columns = checkInt(fn, 'options.columns', options.columns ?? Math.min(count, 3));
  const rows = Math.ceil(count / columns);
  const gapX = 0.08;
  const gapY = rows > 1 ? 0.16 / rows : 0;
  // About 250 × 250 pixels of plot per panel, plus room for its axis titles and label.
  const layout: PlotLayout = baseLayout(title, { width: 90 + 300 * columns, height: 110 + 330 * rows, showlegend: false, annotations: [] as unknown[] });
  const data: PlotTrace[] = [];
  for (let k = 0; k < count; k++) {
    const row = Math.floor(k / columns);
    const col = k % columns;
    const xDomain = [col / columns + gapX / 2, (col + 1) / columns - gapX / 2];
    const yDomain = [1 - (row + 1) / rows + gapY / 2, 1 - row / rows - gapY / 2];
    const suffix = k === 0 ? '' : String(k + 1);
    data.push(...traces(k, { xaxis: `x${suffix}`, yaxis: `y${suffix}` }));
    const label = k === count - 1 ? 'x' : k === 0 ? 'z' : 'h';
    layout[`xaxis${suffix}`] = { ...dataAxis(dimLabel(label, 0)), domain: xDomain, anchor: `y${suffix}`, title: { text: dimLabel(label, 0), standoff: 4 } };
    layout[`yaxis${suffix}`] = { ...dataAxis(dimLabel(label, 1), undefined, `x${suffix}`), domain: yDomain, anchor: `x${suffix}`, title: { text: dimLabel(label, 1), standoff: 4 } };
    (layout.annotations as unknown[]).push({
      text: stateTitle(st.names, k),
      x: (xDomain[0] + xDomain[1]) / 2,
      y: yDomain[1],
      xref: 'paper',
      yref: 'paper',
      xanchor: 'center',
      yanchor: 'bottom',
      showarrow: false,
      font: { size: 13 },
    });
  }
  return { data, layout };
}
