import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/helpers/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Node 20's V8 has relaxed SIMD behind a flag (on by default from Node 22): with it, the tests
    // also run the fused multiply-add kernels (src/kernels/simd/simd-kernels.ts).
    execArgv: ['--experimental-wasm-relaxed-simd'],
  },
});
