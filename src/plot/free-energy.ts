/** Free-energy profiles along one coordinate, several on one axis (estimates against a reference). */
import { ValidationError, describe } from '../errors.js';
import { baseLayout, dataAxis, finiteOrNull, type PlotFigure } from './figure.js';

/** One curve: its name, the bin centres and F at each (+∞ shows as a gap). */
export interface ProfileCurve {
  name: string;
  centres: readonly number[];
  freeEnergy: readonly number[];
  /** Draw as a line (reference) rather than markers (estimate); default false. */
  line?: boolean;
}

/**
 * Free-energy profiles `F(x) = −log p(x)` (kT) on one axis; each curve is shifted so that its minimum
 * is 0, so estimates known up to a constant compare with the reference directly.
 *
 * @example
 * ```ts
 * const est = freeEnergyProfile(x1, r.weights, { bins: 30, range: [-2.25, 2.25] });
 * const fig = freeEnergyFigure([{ name: 'exact', centres: est.centres, freeEnergy: doubleWellFreeEnergy(est.edges), line: true },
 *                               { name: 'SNF, reweighted', ...est }], { label: 'x₁' });
 * ```
 */
export function freeEnergyFigure(curves: readonly ProfileCurve[], options: { label?: string; title?: string } = {}): PlotFigure {
  const fn = 'freeEnergyFigure';
  if (!Array.isArray(curves) || curves.length === 0) throw new ValidationError(fn, 'curves', 'a non-empty array of { name, centres, freeEnergy }', describe(curves));
  const data = curves.map((c, i) => {
    if (!Array.isArray(c?.centres) || !Array.isArray(c?.freeEnergy) || c.centres.length !== c.freeEnergy.length) {
      throw new ValidationError(fn, `curves[${i}]`, '{ name, centres, freeEnergy } with as many values as centres', describe(c));
    }
    const finite = c.freeEnergy.filter(Number.isFinite);
    const min = finite.length ? Math.min(...finite) : 0;
    return {
      type: 'scatter', name: c.name, x: [...c.centres], y: finiteOrNull(c.freeEnergy.map((v: number) => v - min)),
      mode: c.line ? 'lines' : 'markers', ...(c.line ? { line: { color: '#444', width: 2 } } : { marker: { size: 7 } }),
    };
  });
  return { data, layout: baseLayout(options.title ?? 'Free-energy profile', { xaxis: dataAxis(options.label ?? 'x'), yaxis: dataAxis('free energy (kT)') }) };
}
