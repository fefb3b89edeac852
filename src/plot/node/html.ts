/**
 * Figures as one self-contained HTML file: plotly.js is inlined from the `plotly.js-dist-min`
 * package, so the file opens offline. Node only (reads plotly.js from disk).
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { FileFormatError, ValidationError, describe } from '../../errors.js';
import { fileErrorReason } from '../../io/text-file.js';
import { checkInt, checkOptions } from '../../validate.js';
import type { PlotFigure } from '../figure.js';

let plotly: string | null = null;

/** The plotly.js bundle (plotly.js-dist-min, minified, about 4.8 MB), read once. */
export function plotlySource(): string {
  if (plotly === null) {
    const path = createRequire(import.meta.url).resolve('plotly.js-dist-min');
    plotly = readFileSync(path, 'utf8');
  }
  return plotly;
}

export interface HtmlOptions {
  /** Page title and heading (default "tfjs-flows figures"). */
  title?: string;
  /** Significant digits kept for non-integer numbers (default 7, float32's precision; `null` keeps all). */
  digits?: number | null;
}

/** Check an array of figures (or one figure) and return the array. */
export function checkFigures(fn: string, figures: unknown): PlotFigure[] {
  const list = Array.isArray(figures) ? figures : [figures];
  if (list.length === 0) throw new ValidationError(fn, 'figures', 'one figure or a non-empty array of figures', 'an empty array');
  list.forEach((f, i) => checkFigure(fn, Array.isArray(figures) ? `figures[${i}]` : 'figure', f));
  return list as PlotFigure[];
}

/** Check a value looks like a plotly figure `{ data: [...], layout: {...} }`. */
export function checkFigure(fn: string, arg: string, f: unknown): PlotFigure {
  const fig = f as PlotFigure;
  if (fig === null || typeof fig !== 'object' || !Array.isArray(fig.data) || (fig.layout !== undefined && typeof fig.layout !== 'object')) {
    throw new ValidationError(fn, arg, 'a plotly figure { data: traces[], layout }', describe(f));
  }
  return fig;
}

/** JSON of the figures, numbers rounded to `digits` significant digits, safe inside a `<script>`. */
function figuresJson(figures: PlotFigure[], digits: number | null): string {
  const round = (_key: string, v: unknown) =>
    digits !== null && typeof v === 'number' && !Number.isInteger(v) && Number.isFinite(v) ? Number(v.toPrecision(digits)) : v;
  return JSON.stringify(figures, round).replace(/</g, '\\u003c');
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * The HTML text of a page showing `figures` one under another, with plotly.js inlined.
 *
 * @example
 * ```ts
 * const html = figuresToHtml([await densityFigure(flow)], { title: 'My flow' });
 * ```
 */
export function figuresToHtml(figures: PlotFigure | PlotFigure[], options: HtmlOptions = {}): string {
  return buildHtml('figuresToHtml', figures, options);
}

function buildHtml(fn: string, figures: PlotFigure | PlotFigure[], options: HtmlOptions): string {
  checkOptions(fn, options, ['title', 'digits']);
  const list = checkFigures(fn, figures);
  const digits = options.digits === null ? null : checkInt(fn, 'options.digits', options.digits ?? 7);
  const title = escapeHtml(options.title ?? 'tfjs-flows figures');
  const divs = list
    .map((f, i) => {
      const h = typeof f.layout?.height === 'number' ? f.layout.height : 560;
      const w = typeof f.layout?.width === 'number' ? `width:${f.layout.width}px;` : '';
      return `<div id="figure-${i}" class="figure" style="${w}height:${h}px"></div>`;
    })
    .join('\n');
  // A `</script` inside the bundle would end the script element early; escaping the slash keeps the JS equal.
  const lib = plotlySource().replace(/<\/script/gi, '<\\/script');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 1100px; color: #222; }
.figure { margin: 0 auto 40px; max-width: 100%; }
</style>
<script>${lib}</script>
</head>
<body>
<h1>${title}</h1>
${divs}
<script>
const figures = ${figuresJson(list, digits)};
figures.forEach((f, i) => Plotly.newPlot('figure-' + i, { data: f.data, layout: f.layout, frames: f.frames, config: { responsive: true, displaylogo: false } }));
</script>
</body>
</html>
`;
}

/**
 * Write `figures` to one self-contained HTML file at `path` (parent folders are created). It works
 * offline: plotly.js 3 is inlined, which makes the file about 4.8 MB plus the figures' data.
 *
 * @example
 * ```ts
 * import { writeHtml } from 'tfjs-flows/node';
 * await writeHtml([densityFigure(flow), trainingCurvesFigure(history)], 'report.html', { title: 'Run 1' });
 * ```
 */
export async function writeHtml(figures: PlotFigure | PlotFigure[], path: string, options: HtmlOptions = {}): Promise<void> {
  if (typeof path !== 'string' || path === '') throw new ValidationError('writeHtml', 'path', 'a file path', describe(path));
  const html = buildHtml('writeHtml', figures, options);
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, html, 'utf8');
  } catch (e) {
    throw new FileFormatError(path, `could not be written (${fileErrorReason(e, 'an HTML file')})`);
  }
}
