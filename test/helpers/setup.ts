// Every test file computes on the backend `ready()` selects (TFJS_FLOWS_BACKEND overrides it).
import { beforeAll } from 'vitest';
import { ready } from '../../src/index.js';
import { enableRelaxedSimd } from '../../src/kernels/simd/enable-relaxed-simd.js';

// Node 20 has relaxed SIMD behind a flag (Node 22 and later by default): the tests run the fused
// multiply-add kernels, the default of current engines (the baseline module is tested by switching).
enableRelaxedSimd();

beforeAll(async () => {
  await ready();
});
