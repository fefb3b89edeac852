/**
 * The written HTML in a real browser: Chromium (through playwright-core) loads the file offline and
 * plotly draws every figure. Mandatory when `CI` is set; skipped locally when no browser is found.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Affine, Chain, Flow, StandardNormal, Tanh, density1dFigure, densityComparisonFigure, densityFigure, layersFigure, samplesFigure,
  trainingCurvesFigure, tf,
} from '../../src/index.js';
import { findBrowser, launchBrowser, writeHtml } from '../../src/node.js';
import { watchPage } from '../helpers/watched-page.js';

// Code passed to page.evaluate runs in the browser; these are the few DOM names it uses (the project
// compiles without lib.dom).
interface DomNode {
  textContent: string | null;
  querySelector(selector: string): DomNode | null;
  querySelectorAll(selector: string): DomNode[] & { length: number };
  getAttribute(name: string): string | null;
}
declare const document: { querySelectorAll(selector: string): Iterable<DomNode> & { length: number }; getElementById(id: string): DomNode | null };

const browserPath = findBrowser();
const required = Boolean(process.env.CI);
if (!browserPath && !required) {
  console.warn(
    'html-browser.test.ts: SKIPPED, no Chromium/Chrome found (sudo apt-get install -y chromium, or set TFJS_FLOWS_CHROMIUM). ' +
      'These tests are mandatory when CI is set.',
  );
}

const N_SAMPLES = 123;
const N_DATA = 40;
const N_LAYER = 25;

describe.skipIf(!browserPath && !required)('writeHtml output in Chromium', () => {
  let dir: string;
  let file: string;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const requests: string[] = [];
  let states = 0;

  beforeAll(async () => {
    const flow = new Flow(new StandardNormal(2), new Chain([new Affine(2, { shift: [0.5, 0], scale: [1.5, 1] }), new Tanh(), new Affine(2, { scale: [0.8, 0.8] })]));
    const data = Array.from({ length: N_DATA }, (_, k) => [Math.cos(k), Math.sin(2 * k) * 0.8]);
    const flow1d = new Flow(new StandardNormal(1), new Affine(1, { shift: 1 }));
    states = flow.forwardStates([[0, 0]]).states.length;
    tf.dispose(flow.forwardStates([[0, 0]]).states);
    const figures = [
      await densityFigure(flow, { resolution: [30, 20], contours: 4, data, showData: true, title: 'density' }),
      await samplesFigure(flow, { n: N_SAMPLES, data, title: 'samples' }),
      trainingCurvesFigure({ steps: [0, 1, 2, 3], loss: [2, 1.5, 1.2, 1.1], validation: { steps: [1, 3], loss: [1.6, 1.3] } }, { title: 'training' }),
      await layersFigure(flow, { n: N_LAYER, gridLines: 4, gridPoints: 10, title: 'layers' }),
      await layersFigure(flow, { n: N_LAYER, mode: 'animation', title: 'animation' }),
      await densityComparisonFigure((x) => tf.mul(-0.5, tf.sum(tf.square(x), 1)) as tf.Tensor1D, flow, { resolution: 16, title: 'comparison' }),
      await density1dFigure(flow1d, { n: 200, resolution: 50, title: 'one dimension' }),
    ];
    flow.dispose();
    flow1d.dispose();
    dir = mkdtempSync(join(tmpdir(), 'tfjs-flows-html-'));
    file = join(dir, 'report.html');
    await writeHtml(figures, file, { title: 'browser test' });
    browser = await launchBrowser();
    page = await browser.newPage();
    watchPage(page, errors, requests, (u) => u.startsWith('file:') || u.startsWith('data:'));
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction((n) => document.querySelectorAll('.figure .main-svg').length >= n, figures.length, { timeout: 30_000 });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Count elements matching `selector` inside figure `i`. */
  const count = (i: number, selector: string) => page.evaluate(([i, s]) => document.querySelectorAll(`#figure-${i} ${s}`).length, [i, selector] as const);

  it('inlines plotly.js, so the file is self-contained (about 4.8 MB plus data) and loads nothing from the network', async () => {
    const size = statSync(file).size;
    expect(size).toBeGreaterThan(4.5e6);
    expect(size).toBeLessThan(6e6);
    expect(requests).toEqual([]);
  });

  it('draws every figure: a plotly SVG root and its title', async () => {
    const titles = await page.evaluate(() => [...document.querySelectorAll('.figure')].map((d) => d.querySelector('.gtitle')?.textContent));
    expect(titles).toEqual(['density', 'samples', 'training', 'layers', 'animation', 'comparison', 'one dimension']);
    for (let i = 0; i < 7; i++) expect(await count(i, 'svg.main-svg')).toBeGreaterThan(0);
  });

  it('draws the heatmaps as images, with contours and the data points over the density', async () => {
    const hrefs = await page.evaluate(() => [...document.querySelectorAll('#figure-0 .hm image')].map((im) => im.getAttribute('href') ?? ''));
    expect(hrefs).toHaveLength(1);
    expect(hrefs[0].startsWith('data:image/png')).toBe(true);
    expect(await count(0, '.contourlevel path').then((n) => n > 0)).toBe(true);
    expect(await count(0, 'path.point')).toBe(N_DATA);
    expect(await count(5, '.hm image')).toBe(2);
  });

  it('draws every sample and data point, and the marginal histograms', async () => {
    expect(await count(1, 'path.point')).toBe(N_SAMPLES + N_DATA);
    expect(await count(1, '.bars path').then((n) => n > 20)).toBe(true);
  });

  it('draws the training curves and the best-step marker', async () => {
    expect(await count(2, '.scatterlayer .trace')).toBe(3);
    expect(await count(2, 'path.point')).toBe(2 + 1); // validation markers + best star
  });

  it('draws one panel per layer with every point, and an animation that moves the points to each state', async () => {
    expect(await count(3, 'path.point')).toBe(states * N_LAYER);
    expect(await count(3, '.subplot').then((n) => n >= states)).toBe(true);
    const result = await page.evaluate(async () => {
      type Gd = DomNode & { data: { x: number[] }[]; _transitionData: { _frames: { data: { x: number[] }[] }[] } };
      const gd = document.getElementById('figure-4') as unknown as Gd;
      const frames = gd._transitionData._frames;
      const last = frames.length - 1;
      const P = (globalThis as unknown as { Plotly: { animate(g: unknown, f: string[], o: unknown): Promise<void> } }).Plotly;
      await P.animate(gd, [String(last)], { frame: { duration: 0, redraw: false }, transition: { duration: 0 }, mode: 'immediate' });
      return { frames: frames.length, moved: JSON.stringify(gd.data[1].x) === JSON.stringify(frames[last].data[1].x), points: gd.querySelectorAll('path.point').length };
    });
    expect(result).toEqual({ frames: states, moved: true, points: N_LAYER });
  });

  it('draws the 1D density curve over the histogram', async () => {
    expect(await count(6, '.bars path').then((n) => n > 10)).toBe(true);
    expect(await count(6, '.scatterlayer .js-line')).toBe(1);
  });

  it('logged no errors in the page', async () => {
    expect(errors).toEqual([]);
  });
});
