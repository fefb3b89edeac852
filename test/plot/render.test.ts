/**
 * PNG and SVG rendering through headless Chromium, with one browser for the whole file. Mandatory
 * when `CI` is set; skipped locally when no browser is found. The images are decoded here (zlib +
 * the PNG spec) and checked for size and content, not compared with stored pictures.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Affine, BrowserNotFoundError, Flow, RenderError, StandardNormal, densityFigure, trainingCurvesFigure } from '../../src/index.js';
import { FigureRenderer, figureToPng, findBrowser, launchBrowser, renderPng, renderSvg } from '../../src/node.js';
import { decodePng, pixelStats, pngSize } from '../helpers/png.js';

const browserPath = findBrowser();
const required = Boolean(process.env.CI);
if (!browserPath && !required) {
  console.warn(
    'render.test.ts: SKIPPED, no Chromium/Chrome found (sudo apt-get install -y chromium, or set TFJS_FLOWS_CHROMIUM). ' +
      'These tests are mandatory when CI is set.',
  );
}

describe('without a browser', () => {
  it('says how to install one', async () => {
    const err = await launchBrowser('/nonexistent/chromium').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BrowserNotFoundError);
    expect((err as Error).message).toMatch(/apt-get install -y chromium/);
    const saved = process.env.TFJS_FLOWS_CHROMIUM;
    process.env.TFJS_FLOWS_CHROMIUM = '/nonexistent/chromium';
    try {
      expect(findBrowser()).toBeNull();
      const e2 = await figureToPng({ data: [], layout: {} }).catch((e: unknown) => e);
      expect(e2).toBeInstanceOf(BrowserNotFoundError);
      expect((e2 as Error).message).toMatch(/TFJS_FLOWS_CHROMIUM=\/nonexistent\/chromium does not exist/);
    } finally {
      if (saved === undefined) delete process.env.TFJS_FLOWS_CHROMIUM;
      else process.env.TFJS_FLOWS_CHROMIUM = saved;
    }
  });
});

describe.skipIf(!browserPath && !required)('rendering in Chromium', () => {
  let renderer: FigureRenderer;
  let dir: string;
  let flow: Flow;

  beforeAll(async () => {
    flow = new Flow(new StandardNormal(2), new Affine(2, { shift: [1, 0], scale: [1, 2] }));
    renderer = await FigureRenderer.open();
    dir = mkdtempSync(join(tmpdir(), 'tfjs-flows-render-'));
  });
  afterAll(async () => {
    await renderer?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    flow?.dispose();
  });

  it('writes a PNG of the requested size whose pixels show a heatmap, not a blank page', async () => {
    const path = join(dir, 'density.png');
    await renderPng(await densityFigure(flow, { resolution: 40 }), path, { width: 420, height: 380, renderer });
    const png = readFileSync(path);
    expect(pngSize(png)).toEqual({ width: 420, height: 380 });
    const img = decodePng(png);
    const { colours, nonWhite } = pixelStats(img);
    // A viridis heatmap over about half the image: hundreds of colours, a large non-white area.
    expect(colours).toBeGreaterThan(200);
    expect(nonWhite).toBeGreaterThan(0.25);
  });

  it('scales the pixel size with `scale`, and uses the figure’s own size by default', async () => {
    const fig = trainingCurvesFigure({ steps: [0, 1, 2], loss: [3, 2, 1.5] });
    expect(pngSize(await renderer.png(fig, { width: 300, height: 200, scale: 2 }))).toEqual({ width: 600, height: 400 });
    const img = decodePng(await figureToPng(fig, { renderer }));
    expect([img.width, img.height]).toEqual([700, 450]);
    const { colours, nonWhite } = pixelStats(img);
    expect(colours).toBeGreaterThan(20); // anti-aliased line, text and axes
    expect(nonWhite).toBeGreaterThan(0.005);
    expect(nonWhite).toBeLessThan(0.5);
  });

  it('writes an SVG with plotly’s root and the heatmap embedded as an image', async () => {
    const path = join(dir, 'density.svg');
    await renderSvg(await densityFigure(flow, { resolution: 20 }), path, { width: 400, height: 300, renderer });
    const svg = readFileSync(path, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toMatch(/class="main-svg"/);
    expect(svg).toMatch(/width="400"/);
    expect(svg).toMatch(/<image[^>]+href="data:image\/png/);
  });

  it('reports a figure plotly cannot draw as a RenderError, and keeps working afterwards', async () => {
    const err = await renderer.png({ data: [null], layout: {} } as never, { width: 100, height: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RenderError);
    expect((err as Error).message).toMatch(/FigureRenderer.png: plotly could not render the figure/);
    await expect(renderer.png({ data: 'x' } as never)).rejects.toThrow(/argument 'figure' must be a plotly figure/);
    expect(pngSize(await renderer.png({ data: [], layout: {} }, { width: 120, height: 90 }))).toEqual({ width: 120, height: 90 });
  });
});
