import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { backendName, ready } from '../src/index.js';

const run = promisify(execFile);

/** Run the probe in a fresh Node process (backend selection is process-global) with extra env. */
async function probe(env: Record<string, string | undefined>): Promise<Record<string, unknown>> {
  const childEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'test/fixtures/backend-probe.ts'], { env: childEnv });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

function tfjsNodeInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

describe('ready()', () => {
  it('resolves to the selected backend, and a second call returns the same', async () => {
    const name = await ready();
    expect(['tensorflow', 'wasm', 'cpu']).toContain(name);
    expect(await ready()).toBe(name);
    expect(backendName()).toBe(name);
  });

  it('falls back to wasm when tfjs-node is absent, and says NotReadyError before ready()', async () => {
    const r = await probe({ TFJS_FLOWS_BACKEND: undefined });
    expect(r.beforeReady).toBe('NotReadyError');
    expect(r.beforeReadyMessage).toMatch(/await ready\(\)/);
    expect(r.backend).toBe(tfjsNodeInstalled() ? 'tensorflow' : 'wasm');
    expect(r.tfBackend).toBe(r.backend);
  });

  it('obeys TFJS_FLOWS_BACKEND=cpu', async () => {
    const r = await probe({ TFJS_FLOWS_BACKEND: 'cpu' });
    expect(r.backend).toBe('cpu');
    expect(r.tfBackend).toBe('cpu');
  });

  it('rejects an unknown TFJS_FLOWS_BACKEND with a BackendError naming the choices', async () => {
    const r = await probe({ TFJS_FLOWS_BACKEND: 'gpu' });
    expect(r.error).toBe('BackendError');
    expect(r.message).toMatch(/TFJS_FLOWS_BACKEND must be one of tensorflow, webgpu, webgl, wasm, cpu, or a list of them; got "gpu"/);
  });

  it('takes a list in TFJS_FLOWS_BACKEND and uses the first that initialises', async () => {
    const r = await probe({ TFJS_FLOWS_BACKEND: 'webgl,cpu' });
    expect(r.backend).toBe('cpu');
    expect(r.tfBackend).toBe('cpu');
  });

  it('says why a requested webgl cannot be used in Node', async () => {
    const r = await probe({ TFJS_FLOWS_BACKEND: 'webgl' });
    expect(r.error).toBe('BackendError');
    expect(r.message).toMatch(/TFJS_FLOWS_BACKEND=webgl was requested but could not be used.*webgl needs a browser/);
  });

  it('ready({ backend }) switches, a list falls through, and backendName() follows tf.setBackend', async () => {
    const r = await probe({ TFJS_FLOWS_BACKEND: undefined, PROBE_SWITCH: '1' });
    expect(r.switched).toEqual({ cpu: 'cpu', list: 'cpu', afterSetBackend: 'wasm', back: 'cpu', badName: 'BackendError' });
  });

  it('names the packages to install when webgpu is requested without them', async () => {
    const r = await probe({ TFJS_FLOWS_BACKEND: 'webgpu', PROBE_HIDE_WEBGPU: '1' });
    expect(r.error).toBe('BackendError');
    expect(r.message).toMatch(/npm install webgpu@0\.6\.2/);
  });

  it.skipIf(tfjsNodeInstalled())('reports an unloadable TFJS_FLOWS_BACKEND=tensorflow clearly', async () => {
    const r = await probe({ TFJS_FLOWS_BACKEND: 'tensorflow' });
    expect(r.error).toBe('BackendError');
    expect(r.message).toMatch(/TFJS_FLOWS_BACKEND=tensorflow was requested but could not be used.*@tensorflow\/tfjs-node/);
  });
});
