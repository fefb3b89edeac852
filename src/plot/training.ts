/**
 * Training curves: training and validation loss against the step, the best step marked.
 */
import { ValidationError, describe } from '../errors.js';
import { checkNumber, checkOptions } from '../validate.js';
import { baseLayout, COLORS, type PlotFigure, type PlotTrace } from './figure.js';

/**
 * The record of a training run that {@link trainingCurvesFigure} draws; `fit` returns one.
 * `loss[k]` is the training loss (mean negative log-likelihood, in nats) at `steps[k]`; the optional
 * validation losses have their own steps; `bestStep` is the step whose weights were kept.
 */
export interface TrainingHistory {
  steps: number[];
  loss: number[];
  validation?: { steps: number[]; loss: number[] };
  bestStep?: number;
}

export interface TrainingCurvesOptions {
  /** Also draw an exponential moving average `m ← a·m + (1 − a)·loss` of the training loss with this `a` in [0, 1) (default 0: none). */
  smoothing?: number;
  /** Logarithmic loss axis (default false; needs every loss > 0). */
  logY?: boolean;
  /** Label of the x axis (default "step"). */
  xLabel?: string;
  title?: string;
}

/** Check `{ steps, loss }`: equal lengths, at least one entry, finite numbers. */
function checkSeries(fn: string, arg: string, series: unknown): { steps: number[]; loss: number[] } {
  const s = series as { steps?: unknown; loss?: unknown };
  if (s === null || typeof s !== 'object' || !Array.isArray(s.steps) || !Array.isArray(s.loss)) {
    throw new ValidationError(fn, arg, '{ steps: number[], loss: number[] }', describe(series));
  }
  if (s.steps.length !== s.loss.length) {
    throw new ValidationError(fn, arg, 'steps and loss of equal length', `${s.steps.length} steps and ${s.loss.length} losses`);
  }
  s.steps.forEach((v, k) => checkNumber(fn, `${arg}.steps[${k}]`, v));
  s.loss.forEach((v, k) => checkNumber(fn, `${arg}.loss[${k}]`, v));
  return { steps: s.steps as number[], loss: s.loss as number[] };
}

/** Index of the smallest value (the first on ties). */
function argmin(values: number[]): number {
  let best = 0;
  for (let k = 1; k < values.length; k++) if (values[k] < values[best]) best = k;
  return best;
}

/** The best step: `history.bestStep`, else the step of the lowest validation loss, else none. */
export function bestStepOf(history: TrainingHistory): number | null {
  if (history.bestStep !== undefined) return history.bestStep;
  const v = history.validation;
  return v && v.loss.length > 0 ? v.steps[argmin(v.loss)] : null;
}

/**
 * Line plot of the training loss (and validation loss, when recorded) against the step, with a
 * dashed vertical line and a marker at the best step: `history.bestStep`, else the step of the lowest
 * validation loss.
 *
 * @param history `{ steps, loss, validation?: { steps, loss }, bestStep? }` (see {@link TrainingHistory}).
 * @returns traces in order: training loss, smoothed training loss (if `smoothing`), validation loss
 *   (if recorded), best-step marker (if any).
 * @example
 * ```ts
 * const fig = trainingCurvesFigure({ steps: [0, 1, 2], loss: [3.1, 2.5, 2.2], validation: { steps: [2], loss: [2.4] } });
 * ```
 */
export function trainingCurvesFigure(history: TrainingHistory, options: TrainingCurvesOptions = {}): PlotFigure {
  const fn = 'trainingCurvesFigure';
  checkOptions(fn, options, ['smoothing', 'logY', 'xLabel', 'title']);
  const train = checkSeries(fn, 'history', history);
  if (train.steps.length === 0) throw new ValidationError(fn, 'history', 'at least one recorded step', 'none');
  const validation = history.validation === undefined ? null : checkSeries(fn, 'history.validation', history.validation);
  if (history.bestStep !== undefined) checkNumber(fn, 'history.bestStep', history.bestStep);
  const smoothing = checkNumber(fn, 'options.smoothing', options.smoothing ?? 0, { min: 0 });
  if (smoothing >= 1) throw new ValidationError(fn, 'options.smoothing', 'a number in [0, 1)', describe(smoothing));
  const logY = options.logY ?? false;
  if (logY) {
    const all = [...train.loss, ...(validation?.loss ?? [])];
    if (all.some((v) => v <= 0)) throw new ValidationError(fn, 'options.logY', 'false when a loss is ≤ 0 (a log axis cannot show it)', 'true');
  }

  const traces: PlotTrace[] = [
    {
      type: 'scatter',
      mode: train.steps.length > 1 ? 'lines' : 'markers',
      name: 'training',
      x: [...train.steps],
      y: [...train.loss],
      line: { color: COLORS.train, width: 1.5 },
      opacity: smoothing > 0 ? 0.35 : 1,
    },
  ];
  if (smoothing > 0) {
    let m = train.loss[0];
    const smooth = train.loss.map((v) => (m = smoothing * m + (1 - smoothing) * v));
    traces.push({ type: 'scatter', mode: 'lines', name: `training (EMA ${smoothing})`, x: [...train.steps], y: smooth, line: { color: COLORS.train, width: 2.5 } });
  }
  if (validation && validation.steps.length > 0) {
    traces.push({
      type: 'scatter',
      mode: validation.steps.length > 1 ? 'lines+markers' : 'markers',
      name: 'validation',
      x: [...validation.steps],
      y: [...validation.loss],
      line: { color: COLORS.validation, width: 2 },
      marker: { size: 5 },
    });
  }
  const best = bestStepOf({ ...train, validation: validation ?? undefined, bestStep: history.bestStep });
  const shapes: unknown[] = [];
  const annotations: unknown[] = [];
  if (best !== null) {
    // Mark the loss at the best step on the curve that chose it: validation if recorded, else training.
    const ref = validation && validation.steps.includes(best) ? validation : train;
    const k = ref.steps.indexOf(best);
    if (k >= 0) {
      traces.push({
        type: 'scatter',
        mode: 'markers',
        name: `best (step ${best})`,
        x: [best],
        y: [ref.loss[k]],
        marker: { color: COLORS.best, size: 11, symbol: 'star' },
      });
    }
    shapes.push({ type: 'line', xref: 'x', yref: 'paper', x0: best, x1: best, y0: 0, y1: 1, line: { color: COLORS.best, width: 1, dash: 'dash' } });
    annotations.push({ x: best, xref: 'x', y: 1, yref: 'paper', yanchor: 'bottom', text: `best step ${best}`, showarrow: false, font: { color: COLORS.best } });
  }
  return {
    data: traces,
    layout: baseLayout(options.title ?? 'Training', {
      xaxis: { title: { text: options.xLabel ?? 'step' }, showline: true, linecolor: '#888', ticks: 'outside', zeroline: false },
      yaxis: { title: { text: 'loss' }, type: logY ? 'log' : 'linear', showline: true, linecolor: '#888', ticks: 'outside', zeroline: false, gridcolor: '#eee' },
      shapes,
      annotations,
      legend: { x: 1, xanchor: 'right', y: 1, yanchor: 'top', bgcolor: 'rgba(255,255,255,0.8)' },
      hovermode: 'x unified',
      width: 700,
      height: 450,
    }),
  };
}
