/**
 * MCMC figures: trace plots (each chain's draws against the iteration) and autocorrelation plots
 * (ρ(t) per chain against the lag t), for any sampler's chains.
 */
import { ValidationError, describe } from '../errors.js';
import { coordinate, type McmcResult } from '../mcmc/chains.js';
import { autocorrelation } from '../mcmc/diagnostics.js';
import { checkInt, checkOptions } from '../validate.js';
import { baseLayout, dataAxis, finiteOrNull, type PlotFigure, type PlotTrace } from './figure.js';

export interface TraceFigureOptions {
  /** Which coordinate of an `McmcResult` to plot (default 0). */
  dim?: number;
  /** Axis title of the plotted quantity (default x₁ style from `dim`, or 'value'). */
  label?: string;
  title?: string;
}

export interface AutocorrelationFigureOptions extends TraceFigureOptions {
  /** Largest lag (default min(100, draws − 1)). */
  maxLag?: number;
}

function chainsOf(fn: string, source: McmcResult | ArrayLike<number>[], dim: number): ArrayLike<number>[] {
  if (Array.isArray(source)) return source;
  const r = source as McmcResult;
  if (!Array.isArray(r?.chains) || typeof r.dim !== 'number') throw new ValidationError(fn, 'source', 'an MCMC result ({ chains, dim, samplesPerChain }) or an array of chains', describe(source));
  if (dim >= r.dim) throw new ValidationError(fn, 'options.dim', `an integer < ${r.dim}`, `${dim}`);
  return coordinate(r, dim);
}

/**
 * Trace plot: one line per chain, draw against iteration. Chains that agree overlap as one band;
 * a stuck or drifting chain stands out.
 *
 * @param source an `McmcResult` (with `options.dim`) or chains of one scalar (`chains[m][i]`).
 * @example
 * ```ts
 * const fig = traceFigure(flowHMC(flow, logTarget, { seed: 1 }), { dim: 0 });
 * ```
 */
export function traceFigure(source: McmcResult | ArrayLike<number>[], options: TraceFigureOptions = {}): PlotFigure {
  const fn = 'traceFigure';
  checkOptions(fn, options, ['dim', 'label', 'title']);
  const dim = checkInt(fn, 'options.dim', options.dim ?? 0, 0);
  const chains = chainsOf(fn, source, dim);
  const data: PlotTrace[] = chains.map((c, m) => ({
    type: 'scatter', mode: 'lines', name: `chain ${m + 1}`, x: Array.from({ length: c.length }, (_, i) => i), y: finiteOrNull(c), line: { width: 1 }, opacity: 0.8,
  }));
  const label = options.label ?? (Array.isArray(source) ? 'value' : `x${dim}`);
  return { data, layout: baseLayout(options.title ?? `Trace of ${label}`, { xaxis: dataAxis('iteration'), yaxis: dataAxis(label), showlegend: chains.length > 1 }) };
}

/**
 * Autocorrelation plot: ρ(t) of each chain for t = 0 … maxLag; the faster it falls to 0, the more
 * effective samples per draw (τ = 1 + 2 Σ ρ(t)).
 *
 * @example
 * ```ts
 * const fig = autocorrelationFigure(hmc(logTarget, 2, { seed: 1 }), { dim: 1, maxLag: 50 });
 * ```
 */
export function autocorrelationFigure(source: McmcResult | ArrayLike<number>[], options: AutocorrelationFigureOptions = {}): PlotFigure {
  const fn = 'autocorrelationFigure';
  checkOptions(fn, options, ['dim', 'label', 'title', 'maxLag']);
  const dim = checkInt(fn, 'options.dim', options.dim ?? 0, 0);
  const chains = chainsOf(fn, source, dim);
  const maxLag = checkInt(fn, 'options.maxLag', options.maxLag ?? Math.min(100, chains[0].length - 1));
  const data: PlotTrace[] = chains.map((c, m) => {
    const rho = autocorrelation(c, maxLag);
    return { type: 'scatter', mode: 'lines+markers', name: `chain ${m + 1}`, x: rho.map((_, t) => t), y: finiteOrNull(rho), marker: { size: 3 } };
  });
  const label = options.label ?? (Array.isArray(source) ? 'value' : `x${dim}`);
  return { data, layout: baseLayout(options.title ?? `Autocorrelation of ${label}`, { xaxis: dataAxis('lag'), yaxis: dataAxis('autocorrelation', [-0.2, 1.05]), showlegend: chains.length > 1 }) };
}
