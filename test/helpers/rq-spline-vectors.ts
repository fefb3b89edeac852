/** The nflows reference vectors (see /work/shared/testdata/README.md), read from `../shared/testdata/`. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface SplineVectorCase {
  fn: string;
  num_bins: number;
  tails: 'linear' | null;
  tail_bound: number;
  enable_identity_init: boolean;
  seed: number;
  param_scale: number;
  inputs: number[];
  unnormalized_widths: number[][];
  unnormalized_heights: number[][];
  unnormalized_derivatives: number[][];
  forward_outputs: number[];
  forward_logabsdet: number[];
  inverse_outputs: number[];
  inverse_logabsdet: number[];
}

const path = fileURLToPath(new URL('../../../shared/testdata/rqs_nflows_vectors.json', import.meta.url));

export const splineVectors: SplineVectorCase[] = JSON.parse(readFileSync(path, 'utf8')).cases;

export const caseName = (c: SplineVectorCase) =>
  `K=${c.num_bins} tails=${c.tails ?? 'none'} scale=${c.param_scale} seed=${c.seed}${c.enable_identity_init ? ' identity_init' : ''}`;
