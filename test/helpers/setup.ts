// Every test file computes on the backend `ready()` selects (TFJS_FLOWS_BACKEND overrides it).
import { beforeAll } from 'vitest';
import { ready } from '../../src/index.js';
import { enableRelaxedSimd } from '../../src/kernels/simd/enable-relaxed-simd.js';

// Node 20 has relaxed SIMD behind a flag (Node 22 and later by default): the tests run the fused
// multiply-add kernels, the default of current engines (the baseline module is tested by switching).
enableRelaxedSimd();

// TF.js's cpu backend prints an advertisement for tfjs-node framed by lines of '=' on its first use.
// The tests use cpu on purpose, and a log reader takes such a line for a test runner's summary
// separator (pytest's), so that one message is dropped; every other warning passes through.
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].includes('looks like you are running TensorFlow.js in Node.js')) return;
  warn(...args);
};

beforeAll(async () => {
  await ready();
});
