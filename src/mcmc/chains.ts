/** What every sampler in `mcmc/` returns: chains as plain arrays, with the sampler's own statistics. */
import { type ChainSummary, summarizeScalar } from './diagnostics.js';

export interface McmcResult {
  /** One array per chain, `[samplesPerChain, dim]` row-major, after warm-up, in data space. */
  chains: Float32Array[];
  dim: number;
  samplesPerChain: number;
  /** Mean acceptance probability after warm-up (Metropolis ratio capped at 1, averaged over chains and iterations). */
  acceptanceRate: number;
  /** Gradient evaluations of log p̃ (per chain, summed over chains), warm-up included. */
  gradientEvaluations: number;
}

/** Coordinate `j` of every chain: `chains[c][i]` is draw i of chain c (for the diagnostics). */
export function coordinate(result: McmcResult, j: number): number[][] {
  return result.chains.map((c) => {
    const out = new Array<number>(result.samplesPerChain);
    for (let i = 0; i < result.samplesPerChain; i++) out[i] = c[i * result.dim + j];
    return out;
  });
}

/**
 * Diagnostics of every coordinate of an MCMC result (mean, sd, MCSE, bulk and tail ESS, split R̂,
 * integrated autocorrelation time), one entry per dimension.
 *
 * @example
 * ```ts
 * const [x0] = summarizeChains(flowHMC(flow, logTarget, { seed: 1 }));
 * console.log(x0.mean, '±', x0.mcse, 'ESS', x0.essBulk, 'R̂', x0.rhat);
 * ```
 */
export function summarizeChains(result: McmcResult): ChainSummary[] {
  return Array.from({ length: result.dim }, (_, j) => summarizeScalar(coordinate(result, j)));
}
