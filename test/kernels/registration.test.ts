// Every kernel is registered from one list (src/kernels/register-all.ts): nothing else in src/ calls
// TF.js's registration functions or the library's helpers around them, every registration a kernel
// module exports is in that list, and after registerAllKernels() every kernel name used in src/ is
// registered for the backends it targets.
import '@tensorflow/tfjs-backend-wasm'; // registered even when TFJS_FLOWS_BACKEND=cpu
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tf } from '../../src/index.js';
import { type KernelRegistration, allKernelRegistrations, registerAllKernels } from '../../src/kernels/register-all.js';
import { simdKernels } from '../../src/kernels/simd/simd-kernels.js';
import { transpose2d } from '../../src/kernels/simd/simd-ops.js';
import { useBackend } from '../helpers/backends.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** The `.ts` files under `dir`, as paths relative to src/ with forward slashes. */
function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => relative(SRC, join(dir, f)).split('\\').join('/'));
}

// A call, not the helpers' own declarations.
const CALL = /(?<!function\s+)\b(registerJsKernel|registerJsGradient|registerHeapKernel|registerKernel|registerGradient)\s*\(/g;

/** `file: name` for each registration call in a source file of src/ (comments removed first). */
function registrationCalls(file: string): string[] {
  const code = readFileSync(join(SRC, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|\s)\/\/.*$/gm, '$1');
  return [...code.matchAll(CALL)].map((m) => `${file}: ${m[1]}`);
}

// Where each registration function may be called: the helpers wrap TF.js's, and only the one list calls the helpers.
const ALLOWED: Record<string, readonly string[]> = {
  registerKernel: ['kernels/js-kernel.ts', 'kernels/simd/simd-kernels.ts'],
  registerGradient: ['kernels/js-kernel.ts'],
  registerJsKernel: ['kernels/register-all.ts'],
  registerJsGradient: ['kernels/register-all.ts'],
  registerHeapKernel: ['kernels/register-all.ts'],
};

const isRegistration = (x: unknown): x is KernelRegistration =>
  typeof x === 'object' && x !== null && ['js', 'heap', 'gradient'].includes((x as { kind?: unknown }).kind as string) && typeof (x as { kernelName?: unknown }).kernelName === 'string';

describe('kernel registration', () => {
  it('happens only in src/kernels: nothing else calls registerJsKernel, registerJsGradient, registerHeapKernel, tf.registerKernel or tf.registerGradient', () => {
    // src/tf-gradients.ts is exempt: it imports TF.js's own gradient registrations (for the bundler).
    const calls = sources(SRC).filter((f) => f !== 'tf-gradients.ts').flatMap(registrationCalls);
    expect(calls.filter((c) => !c.startsWith('kernels/'))).toEqual([]);
    // …and inside src/kernels, only the helpers and the one list (so the scan above is not vacuous either).
    const misplaced = calls.filter((c) => {
      const [file, name] = c.split(': ');
      return !ALLOWED[name].includes(file);
    });
    expect(misplaced).toEqual([]);
    expect(calls).toEqual(expect.arrayContaining(['kernels/register-all.ts: registerJsKernel', 'kernels/register-all.ts: registerHeapKernel', 'kernels/js-kernel.ts: registerKernel']));
  });

  it('lists every registration that a module under src/kernels exports', async () => {
    const all = new Set(allKernelRegistrations());
    const unlisted: string[] = [];
    let exported = 0;
    for (const file of sources(join(SRC, 'kernels'))) {
      const mod = (await import(pathToFileURL(join(SRC, file)).href)) as Record<string, unknown>;
      for (const [name, value] of Object.entries(mod)) {
        if (!Array.isArray(value) || value.length === 0 || !value.every(isRegistration)) continue;
        exported += value.length;
        if (!value.every((r) => all.has(r))) unlisted.push(`${file}: ${name}`);
      }
    }
    expect(unlisted).toEqual([]);
    expect(exported).toBe(all.size);
  });

  it('registers every kernel name used in src/ for its backends: JavaScript kernels for cpu and wasm, heap kernels for wasm', () => {
    registerAllKernels();
    const all = allKernelRegistrations();
    const targets = (r: KernelRegistration): string[] => (r.kind === 'js' ? ['cpu', 'wasm'] : ['wasm']);
    const kernels = all.filter((r) => r.kind !== 'gradient');
    const missing = kernels.flatMap((r) => targets(r).filter((b) => tf.getKernel(r.kernelName, b) === undefined).map((b) => `${r.kernelName} on ${b}`));
    expect(missing).toEqual([]);
    expect(kernels.filter((r) => r.kind === 'heap' && tf.getKernel(r.kernelName, 'cpu') !== undefined)).toEqual([]);
    expect(all.filter((r) => r.kind === 'gradient' && tf.getGradient(r.kernelName) === undefined).map((r) => r.kernelName)).toEqual([]);
    // Every kernel name written in src/ (a string 'TfjsFlows…') is one of these kernels.
    const registered = new Set(kernels.map((r) => r.kernelName));
    const used = new Set(sources(SRC).flatMap((f) => [...readFileSync(join(SRC, f), 'utf8').matchAll(/'(TfjsFlows\w+)'/g)].map((m) => m[1])));
    expect(used.size).toBeGreaterThanOrEqual(29);
    expect([...used].filter((n) => !registered.has(n))).toEqual([]);
  });

  describe('on wasm', () => {
    useBackend('wasm');

    it('runs a heap kernel through the list alone where the SIMD module loads', () => {
      if (simdKernels() === null) return; // no SIMD here: the heap kernels never run
      const x = tf.tensor2d(Array.from({ length: 32 }, (_, i) => i), [4, 8]);
      const t = transpose2d(x);
      expect(t.arraySync()).toEqual(x.transpose().arraySync());
      tf.dispose([x, t]);
    });
  });
});
