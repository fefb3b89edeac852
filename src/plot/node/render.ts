/**
 * Figures to PNG and SVG through plotly's own `Plotly.toImage` in headless Chromium. Node only.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { FileFormatError, RenderError, ValidationError, describe } from '../../errors.js';
import { fileErrorReason } from '../../io/text-file.js';
import { checkInt, checkNumber, checkOptions } from '../../validate.js';
import type { PlotFigure } from '../figure.js';
import { launchBrowser } from './browser.js';
import { checkFigure, plotlySource } from './html.js';

export interface ImageOptions {
  /** Image width in CSS pixels (default: the figure's `layout.width`, else 700). */
  width?: number;
  /** Image height in CSS pixels (default: the figure's `layout.height`, else 560). */
  height?: number;
  /** Pixel ratio of a PNG: 2 gives a `2·width × 2·height` image (default 1). */
  scale?: number;
}

export interface RenderOptions extends ImageOptions {
  /** An open renderer to reuse (one browser for many images); otherwise one is started and closed. */
  renderer?: FigureRenderer;
  /** Chromium/Chrome executable when no `renderer` is given (default: {@link findBrowser}). */
  executablePath?: string;
}

/**
 * A headless browser with plotly.js loaded, for rendering many figures with one launch.
 *
 * @example
 * ```ts
 * const r = await FigureRenderer.open();
 * try {
 *   await renderPng(fig1, 'a.png', { renderer: r });
 *   const svg = await r.svg(fig2, { width: 600, height: 400 });
 * } finally {
 *   await r.close();
 * }
 * ```
 */
export class FigureRenderer {
  private readonly errors: string[] = [];

  private constructor(
    private readonly browser: Browser,
    private readonly page: Page,
  ) {
    page.on('pageerror', (e) => this.errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') this.errors.push(m.text());
    });
  }

  /** Start Chromium (see `launchBrowser`) and load plotly.js into a blank page. */
  static async open(options: { executablePath?: string } = {}): Promise<FigureRenderer> {
    const browser = await launchBrowser(options.executablePath);
    try {
      const page = await browser.newPage();
      await page.setContent('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body></body></html>');
      await page.addScriptTag({ content: plotlySource() });
      return new FigureRenderer(browser, page);
    } catch (e) {
      await browser.close();
      throw new RenderError(`FigureRenderer.open: plotly.js could not be loaded in Chromium: ${(e as Error).message}`);
    }
  }

  /** PNG bytes of `figure` at `width × height` CSS pixels times `scale`. */
  async png(figure: PlotFigure, options: ImageOptions = {}): Promise<Buffer> {
    const url = await this.toImage('FigureRenderer.png', figure, 'png', options);
    return Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
  }

  /** SVG text of `figure` (heatmaps are embedded as PNG images inside it, as plotly draws them). */
  async svg(figure: PlotFigure, options: ImageOptions = {}): Promise<string> {
    const url = await this.toImage('FigureRenderer.svg', figure, 'svg', options);
    return decodeURIComponent(url.slice(url.indexOf(',') + 1));
  }

  /** Close the browser. */
  async close(): Promise<void> {
    await this.browser.close();
  }

  private async toImage(fn: string, figure: PlotFigure, format: 'png' | 'svg', options: ImageOptions): Promise<string> {
    checkFigure(fn, 'figure', figure);
    const size = imageSize(fn, figure, options);
    this.errors.length = 0;
    let url: string;
    try {
      url = await this.page.evaluate(
        // Runs in the page, where plotly.js defines the global `Plotly`.
        ({ fig, opts }) => (globalThis as unknown as { Plotly: { toImage(f: unknown, o: unknown): Promise<string> } }).Plotly.toImage(fig, opts),
        { fig: { data: figure.data, layout: figure.layout ?? {} }, opts: { format, ...size } },
      );
    } catch (e) {
      throw new RenderError(`${fn}: plotly could not render the figure: ${(e as Error).message.split('\n')[0]}`);
    }
    if (this.errors.length > 0) throw new RenderError(`${fn}: the page reported errors while rendering: ${this.errors.join('; ')}`);
    return url;
  }
}

/** Width, height and scale from the options, else the figure's layout, else 700 × 560 at scale 1. */
function imageSize(fn: string, figure: PlotFigure, options: ImageOptions): { width: number; height: number; scale: number } {
  checkOptions(fn, options, ['width', 'height', 'scale', 'renderer', 'executablePath']);
  const fromLayout = (key: 'width' | 'height') => (typeof figure.layout?.[key] === 'number' ? (figure.layout[key] as number) : undefined);
  return {
    width: checkInt(fn, 'options.width', options.width ?? fromLayout('width') ?? 700, 10),
    height: checkInt(fn, 'options.height', options.height ?? fromLayout('height') ?? 560, 10),
    scale: checkNumber(fn, 'options.scale', options.scale ?? 1, { min: 0, open: true }),
  };
}

/** Run `f` with `options.renderer`, or with a renderer started (and closed) for this one call. */
async function withRenderer<T>(options: RenderOptions, f: (r: FigureRenderer) => Promise<T>): Promise<T> {
  if (options.renderer) return f(options.renderer);
  const r = await FigureRenderer.open({ executablePath: options.executablePath });
  try {
    return await f(r);
  } finally {
    await r.close();
  }
}

function sizeOnly(options: RenderOptions): ImageOptions {
  const { renderer: _r, executablePath: _e, ...size } = options;
  return size;
}

function checkPath(fn: string, path: unknown): string {
  if (typeof path !== 'string' || path === '') throw new ValidationError(fn, 'path', 'a file path', describe(path));
  return path;
}

async function writeOut(path: string, bytes: string | Buffer): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
  } catch (e) {
    throw new FileFormatError(path, `could not be written (${fileErrorReason(e, 'an image file')})`);
  }
}

/** Check the figure and the options before a browser is started, so bad input fails fast and typed. */
function checkRequest(fn: string, figure: unknown, options: RenderOptions): void {
  checkOptions(fn, options, ['width', 'height', 'scale', 'renderer', 'executablePath']);
  imageSize(fn, checkFigure(fn, 'figure', figure), options);
}

/**
 * PNG bytes of a figure, rendered in headless Chromium. In a tslab notebook:
 * `tslab.display.png(await figureToPng(fig))`.
 *
 * @example
 * ```ts
 * import { figureToPng } from 'tfjs-flows/node';
 * import * as tslab from 'tslab';
 * tslab.display.png(await figureToPng(densityFigure(flow), { width: 600, height: 500 }));
 * ```
 */
export async function figureToPng(figure: PlotFigure, options: RenderOptions = {}): Promise<Buffer> {
  checkRequest('figureToPng', figure, options);
  return withRenderer(options, (r) => r.png(figure, sizeOnly(options)));
}

/** SVG text of a figure, rendered in headless Chromium. */
export async function figureToSvg(figure: PlotFigure, options: RenderOptions = {}): Promise<string> {
  checkRequest('figureToSvg', figure, options);
  return withRenderer(options, (r) => r.svg(figure, sizeOnly(options)));
}

/**
 * Render a figure to a PNG file of `width·scale × height·scale` pixels (parent folders are created).
 * Needs Chromium or Chrome (see `findBrowser`); without one it throws `BrowserNotFoundError`, whose
 * message says how to install one.
 *
 * @example
 * ```ts
 * await renderPng(densityFigure(flow), 'density.png', { width: 600, height: 500 });
 * ```
 */
export async function renderPng(figure: PlotFigure, path: string, options: RenderOptions = {}): Promise<void> {
  checkPath('renderPng', path);
  checkRequest('renderPng', figure, options);
  await writeOut(path, await figureToPng(figure, options));
}

/** Render a figure to an SVG file (see {@link renderPng}). */
export async function renderSvg(figure: PlotFigure, path: string, options: RenderOptions = {}): Promise<void> {
  checkPath('renderSvg', path);
  checkRequest('renderSvg', figure, options);
  await writeOut(path, await figureToSvg(figure, options));
}
