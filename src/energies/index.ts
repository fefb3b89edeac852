import { doubleWell } from './double-well.js';
import type { Energy } from './energy.js';
import { ringOfEight } from './ring-of-eight.js';
import { u1, u2, u3, u4 } from './rezende-mohamed.js';
import { twoMoons } from './two-moons.js';

/**
 * Target energies for variational inference and importance sampling: U1–U4 of Rezende & Mohamed
 * (2015), two moons, a ring of eight Gaussians and the double well of Wu, Köhler & Noé (2020). Each
 * has `logDensity` (usable as a `LogTarget`), a reference `logZ` with `logZError`, and the
 * quadrature `box` and `grid`.
 *
 * @example
 * ```ts
 * const r = await importanceSample(flow, energies.u1.logDensity, 20000, { seed: 1 });
 * Math.abs(r.logZ - energies.u1.logZ) < 3 * r.logZStdErr; // when the flow fits U1 well
 * ```
 */
export const energies: Readonly<Record<'u1' | 'u2' | 'u3' | 'u4' | 'twoMoons' | 'ringOfEight' | 'doubleWell', Energy>> = Object.freeze({ u1, u2, u3, u4, twoMoons, ringOfEight, doubleWell });
