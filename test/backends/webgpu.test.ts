/**
 * WebGPU in Node against wasm: for each flow family (RealNVP, NSF coupling, MAF, autoregressive NSF,
 * planar, radial), logProb and the training loss's gradients at the same perturbed weights agree with
 * wasm within float32 rounding; a few training steps run on WebGPU (no synchronous read: the WebGPU
 * backend cannot read synchronously in Node), and the trained weights give the same logProb on wasm.
 *
 * Here, without a GPU, Dawn (the `webgpu` package) runs on SwiftShader, the Vulkan driver Debian's
 * chromium ships (`.ci/run` installs chromium). The check runs in a child process: Dawn's Vulkan
 * loader needs its environment (VK_ICD_FILENAMES, the library path) before the process starts.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const icd = process.env.VK_ICD_FILENAMES ?? SWIFTSHADER_ICD;
const present = existsSync(icd);
// CI installs chromium, so there the check must run; a developer machine without it skips, saying why.
if (!present && process.env.CI) throw new Error(`webgpu.test.ts: ${icd} is missing; CI must install Debian's chromium (it ships SwiftShader's Vulkan ICD)`);

interface FamilyResult { values: number; grads: number; trainedValues: number; loss: number[]; seconds: number }

describe.skipIf(!present)(`WebGPU (Dawn on ${present ? icd : `absent ${icd}: install Debian's chromium to run this`}) against wasm`, () => {
  it('every flow family: logProb and gradients match wasm (float32), training runs, trained logProb matches', async () => {
    const env: Record<string, string | undefined> = { ...process.env, VK_ICD_FILENAMES: icd, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' };
    // Debian's chromium keeps its own libvulkan.so.1 beside the ICD; the system may have none.
    if (icd === SWIFTSHADER_ICD) env.LD_LIBRARY_PATH = [dirname(icd), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
    delete env.TFJS_FLOWS_BACKEND;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'test/fixtures/webgpu-check.ts'], { env, maxBuffer: 1 << 24, timeout: 420_000 });
    const out = JSON.parse(stdout.trim().split('\n').pop()!) as { backend?: string; adapter?: string; error?: string; message?: string; stack?: string; results?: Record<string, FamilyResult> };
    expect(out.error, `${out.message}\n${out.stack}`).toBeUndefined();
    expect(out.backend).toBe('webgpu');
    const results = out.results!;
    expect(Object.keys(results)).toEqual(['realNVP', 'nsfCoupling', 'maf', 'nsfAutoregressive', 'planar', 'radial']);
    for (const [name, r] of Object.entries(results)) {
      // max |webgpu − wasm| / (1 + max |wasm|): float32 rounding of different summation orders.
      expect(r.values, `${name} logProb`).toBeLessThan(1e-4);
      expect(r.grads, `${name} gradients`).toBeLessThan(1e-4);
      expect(r.trainedValues, `${name} logProb after training on WebGPU`).toBeLessThan(1e-4);
      expect(r.loss.length, `${name} steps`).toBe(3);
      expect(r.loss.every(Number.isFinite), `${name} losses`).toBe(true);
    }
  }, 480_000);
});
