/**
 * The browser page (examples/browser/) in Chromium: bundled from source by esbuild, served from a
 * local HTTP server with a model written by saveFlow, it computes with TF.js's wasm backend in the
 * browser and draws the density and the samples. Mandatory when `CI` is set; skipped locally when no
 * browser is found.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBrowserPage } from '../../examples/browser/build.js';
import { type Flow, backendName, datasets, fit, realNVP } from '../../src/index.js';
import { CHROMIUM_FLAGS, findBrowser, launchBrowser, saveFlow } from '../../src/node.js';
import { chromium } from 'playwright-core';
import { serveDirectory } from '../helpers/static-server.js';
import { watchPage } from '../helpers/watched-page.js';

// Code passed to page.evaluate runs in the browser; these are the few DOM names it uses (the project
// compiles without lib.dom).
interface DomNode {
  textContent: string | null;
  className: string;
}
declare const document: { querySelectorAll(selector: string): { length: number }; getElementById(id: string): DomNode | null };
interface PageApi {
  done: Promise<void>;
  backend?: string;
  samples?: number;
  logProb(points: number[][]): Promise<number[]>;
}
declare const flowPage: PageApi;

const browserPath = findBrowser();
const required = Boolean(process.env.CI);
if (!browserPath && !required) {
  console.warn(
    'page.test.ts: SKIPPED, no Chromium/Chrome found (sudo apt-get install -y chromium, or set TFJS_FLOWS_CHROMIUM). ' +
      'These tests are mandatory when CI is set.',
  );
}

const N = 300;
const PROBES = [[0, 0], [1, 0.5], [-0.7, 0.9], [0.2, -0.4], [2.1, 0.1], [5, 5]];

describe.skipIf(!browserPath && !required)('the browser page in Chromium', () => {
  let dir: string;
  let server: Server;
  let url: string;
  let browser: Browser;
  let page: Page;
  let flow: Flow;
  const errors: string[] = [];
  const requested: string[] = [];
  const external: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tfjs-flows-page-'));
    await buildBrowserPage(dir);
    // A briefly trained flow (standardised, so the page must apply the standardisation too).
    flow = realNVP({ dim: 2, layers: 4, hidden: [16], seed: 3 });
    const x = datasets.moons(512, { seed: 1 });
    await fit(flow, x, { steps: 40, batchSize: 128, learningRate: 5e-3, seed: 1, progress: false });
    x.dispose();
    await saveFlow(flow, join(dir, 'model.json'));
    ({ server, url } = await serveDirectory(dir, requested));
    browser = await launchBrowser();
    page = await browser.newPage();
    watchPage(page, errors, external, (u) => u.startsWith(url) || u.startsWith('data:') || u.startsWith('blob:'));
    await page.goto(`${url}index.html?n=${N}&seed=2`);
    await page.evaluate(() => flowPage.done);
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    flow?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const count = (selector: string) => page.evaluate((s) => document.querySelectorAll(s).length, selector);

  it('computes on the wasm backend, fetching the wasm binary and the model from the page folder only', async () => {
    expect(await page.evaluate(() => flowPage.backend)).toBe('wasm');
    expect(requested).toContain('/model.json');
    expect(requested.some((p) => /^\/tfjs-backend-wasm(-simd)?\.wasm$/.test(p))).toBe(true);
    expect(external).toEqual([]);
  });

  it('draws the density heatmap with its contours, and every sample as a point', async () => {
    expect(await count('#density svg.main-svg')).toBeGreaterThan(0);
    expect(await count('#density .hm image')).toBe(1);
    expect(await count('#density .contourlevel path')).toBeGreaterThan(0);
    expect(await count('#samples svg.main-svg')).toBeGreaterThan(0);
    expect(await count('#samples path.point')).toBe(N);
    expect(await page.evaluate(() => flowPage.samples)).toBe(N);
    const status = await page.evaluate(() => ({ className: document.getElementById('status')!.className }));
    expect(status.className).toBe('');
  });

  it("computes the same log-density as Node's flow.logProb (float32 tolerance)", async () => {
    const inBrowser = await page.evaluate((points) => flowPage.logProb(points), PROBES);
    const lp = flow.logProb(PROBES);
    const inNode = Array.from(lp.dataSync());
    lp.dispose();
    expect(inBrowser).toHaveLength(PROBES.length);
    // Same backend kind but another build and machine code path: allow float32 rounding, not more.
    inBrowser.forEach((v, i) => expect(Math.abs(v - inNode[i])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(inNode[i]))));
    expect(backendName()).not.toBeNull();
  });

  it("on WebGPU (Chromium's SwiftShader adapter) computes the same log-density as Node's flow.logProb", async () => {
    // --disable-gpu would turn WebGPU off; these flags give WebGPU a SwiftShader (CPU) adapter headless.
    const flags = [...CHROMIUM_FLAGS.filter((f) => f !== '--disable-gpu'), '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader', '--disable-vulkan-surface'];
    const gpuBrowser = await chromium.launch({ executablePath: browserPath ?? undefined, headless: true, args: flags });
    try {
      const gpuPage = await gpuBrowser.newPage();
      const gpuErrors: string[] = [];
      watchPage(gpuPage, gpuErrors, [], () => true);
      await gpuPage.goto(`${url}index.html?n=50&seed=2&backend=webgpu`);
      await gpuPage.evaluate(() => flowPage.done);
      expect(await gpuPage.evaluate(() => flowPage.backend)).toBe('webgpu');
      const inBrowser = await gpuPage.evaluate((points) => flowPage.logProb(points), PROBES);
      const lp = flow.logProb(PROBES);
      const inNode = Array.from(await lp.data());
      lp.dispose();
      inBrowser.forEach((v, i) => expect(Math.abs(v - inNode[i])).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(inNode[i]))));
      expect(await gpuPage.evaluate(() => document.getElementById('status')!.className)).toBe('');
    } finally {
      await gpuBrowser.close();
    }
  }, 240_000);

  it('logged no errors in the page', () => {
    expect(errors).toEqual([]);
  });

  it('shows a clear error for a model that is not there', async () => {
    const other = await browser.newPage();
    const failure = await (async () => {
      await other.goto(`${url}index.html?model=missing.json`);
      return other.evaluate(() => flowPage.done.then(() => 'resolved', (e: Error) => `${e.name}: ${e.message}`));
    })();
    expect(failure).toMatch(/^FileFormatError: .*missing\.json: could not be fetched: HTTP 404/);
    const status = await other.evaluate(() => ({ className: document.getElementById('status')!.className, textContent: document.getElementById('status')!.textContent }));
    expect(status.className).toBe('error');
    expect(status.textContent).toContain('HTTP 404');
    await other.close();
  });
});
