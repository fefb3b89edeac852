/**
 * The prebuilt browser bundle (`tfjs-flows/browser`, dist/browser/tfjs-flows.js, built by `npm run
 * build`) in Chromium: a page that imports it with no bundler finds the wasm binaries next to it,
 * computes what Node computes, registers gradients, and saves and loads flows through tf.io's
 * IndexedDB, localStorage and downloads handlers. Mandatory when `CI` is set; skipped locally when no
 * browser is found.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync, readdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowToJSON, neuralSplineFlow } from '../../src/index.js';
import { findBrowser, launchBrowser } from '../../src/node.js';
import { repoRoot } from '../helpers/built-package.js';
import { serveDirectory } from '../helpers/static-server.js';
import { watchPage } from '../helpers/watched-page.js';

const browserPath = findBrowser();
const required = Boolean(process.env.CI);
const bundleDir = join(repoRoot, 'dist/browser');
if (!browserPath && !required) console.warn('bundle.test.ts: SKIPPED, no Chromium/Chrome found; mandatory when CI is set.');

const PROBES = [[0.1, 0.2], [-1, 0.5], [1.5, -0.3], [4, 4]];
const FLOW = { dim: 2, layers: 2, bins: 4, hidden: [8], seed: 3 };

/** What the page computes (runs in the browser; `lib` is the bundle's module namespace). */
interface PageResult {
  backend: string;
  logProb: number[];
  gradient: number[][];
  document: unknown;
  reloaded: { indexeddb: number[]; localstorage: number[] };
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>bundle</title><link rel="icon" href="data:,">
<script type="module">
import * as lib from './tfjs-flows.js';
const { tf } = lib;
window.result = (async () => {
  const backend = await lib.ready();
  const flow = lib.neuralSplineFlow(${JSON.stringify(FLOW)});
  const probes = ${JSON.stringify(PROBES)};
  const read = (f) => { const t = f.logProb(probes); const v = Array.from(t.dataSync()); t.dispose(); return v; };
  const logProb = read(flow);
  const W = tf.tensor2d([[0.5, -1.2], [0.8, 0.3]]);
  const gradient = tf.grad((x) => tf.sum(tf.square(tf.matMul(x, W))))(tf.tensor2d([[1, 2]])).arraySync();
  await lib.saveFlow(flow, 'indexeddb://bundle-test');
  const a = await lib.loadFlow('indexeddb://bundle-test');
  await lib.saveFlow(flow, 'localstorage://bundle-test');
  const b = await lib.loadFlow('localstorage://bundle-test');
  window.saveDownload = () => lib.saveFlow(flow, 'downloads://moons');
  // Reading a downloads:// pair back, as a page does with the files a user picks.
  window.loadPicked = async (jsonText) => {
    const json = new File([jsonText], 'moons.json', { type: 'application/json' });
    const bin = new File([new Uint8Array(0)], 'moons.weights.bin');
    return read(await lib.loadFlow(tf.io.browserFiles([json, bin])));
  };
  return { backend, logProb, gradient, document: lib.flowToJSON(flow), reloaded: { indexeddb: read(a), localstorage: read(b) } };
})();
</script>`;

describe.skipIf(!browserPath && !required)('the prebuilt browser bundle in Chromium', () => {
  let dir: string;
  let server: Server;
  let browser: Browser;
  let page: Page;
  let result: PageResult;
  const errors: string[] = [];
  const external: string[] = [];
  const requested: string[] = [];

  beforeAll(async () => {
    if (!existsSync(join(bundleDir, 'tfjs-flows.js'))) throw new Error('dist/browser/tfjs-flows.js is missing: run `npm run build`');
    dir = mkdtempSync(join(tmpdir(), 'tfjs-flows-bundle-'));
    for (const f of readdirSync(bundleDir)) copyFileSync(join(bundleDir, f), join(dir, f));
    writeFileSync(join(dir, 'index.html'), PAGE);
    let url: string;
    ({ server, url } = await serveDirectory(dir, requested));
    browser = await launchBrowser();
    page = await browser.newPage({ acceptDownloads: true });
    watchPage(page, errors, external, (u) => u.startsWith(url) || u.startsWith('data:') || u.startsWith('blob:'));
    await page.goto(`${url}index.html`);
    result = await page.evaluate(() => (globalThis as unknown as { result: Promise<PageResult> }).result);
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('computes on the wasm backend with the binaries next to the bundle, and nothing fetched elsewhere', () => {
    expect(result.backend).toBe('wasm');
    expect(requested.some((p) => /^\/tfjs-backend-wasm(-simd)?\.wasm$/.test(p))).toBe(true);
    expect(external).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("builds the same flow as Node from the same seed, with Node's log-density (float32 tolerance)", () => {
    const flow = neuralSplineFlow(FLOW);
    expect(result.document).toEqual(JSON.parse(JSON.stringify(flowToJSON(flow))));
    const lp = flow.logProb(PROBES);
    const inNode = Array.from(lp.dataSync());
    lp.dispose();
    flow.dispose();
    result.logProb.forEach((v, i) => expect(Math.abs(v - inNode[i]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(inNode[i]!))));
  });

  it('has gradients registered: d/dx Σ(xW)² = 2(xW)Wᵀ', () => {
    // x = [1, 2], W = [[0.5, -1.2], [0.8, 0.3]]: xW = [2.1, -0.6], and the gradient is 2·xW·Wᵀ.
    const xw = [1 * 0.5 + 2 * 0.8, 1 * -1.2 + 2 * 0.3];
    const expected = [2 * (xw[0]! * 0.5 + xw[1]! * -1.2), 2 * (xw[0]! * 0.8 + xw[1]! * 0.3)];
    result.gradient[0]!.forEach((g, j) => expect(g).toBeCloseTo(expected[j]!, 5));
  });

  it("saves to and loads from IndexedDB and localStorage with tf.io's handlers, bit for bit", () => {
    expect(result.reloaded.indexeddb).toEqual(result.logProb);
    expect(result.reloaded.localstorage).toEqual(result.logProb);
  });

  it("saves 'downloads://name' as tf.io's model JSON whose modelTopology is the flow document, and loads it back with tf.io.browserFiles", async () => {
    // tf.io's downloads handler saves the weights file beside the JSON, in either order: wait for the
    // JSON by name (the wait fails the test if it never comes).
    const [download] = await Promise.all([
      page.waitForEvent('download', { predicate: (d) => d.suggestedFilename() === 'moons.json' }),
      page.evaluate(() => (globalThis as unknown as { saveDownload(): Promise<unknown> }).saveDownload()),
    ]);
    const saved = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { modelTopology: unknown; format: string };
    expect(saved.format).toBe('tfjs-flows');
    expect(saved.modelTopology).toEqual(result.document);
    const text = readFileSync((await download.path())!, 'utf8');
    const reloaded = await page.evaluate((t) => (globalThis as unknown as { loadPicked(t: string): Promise<number[]> }).loadPicked(t), text);
    expect(reloaded).toEqual(result.logProb);
  });
});
