import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { figuresToHtml, plotlySource, writeHtml } from '../../src/node.js';

/** The figures' JSON as embedded in the page. */
const embedded = (html: string) => JSON.parse(html.slice(html.lastIndexOf('const figures = ') + 16, html.lastIndexOf(';\nfigures.forEach')));

describe('figuresToHtml and writeHtml', () => {
  it('inline plotly.js and the figures, with numbers kept to 7 significant digits', () => {
    const fig = { data: [{ type: 'scatter', x: [1, 2], y: [Math.PI, 1 / 3] }], layout: { height: 300 } };
    const html = figuresToHtml([fig, fig], { title: 'Run 1' });
    expect(html).toContain(plotlySource().slice(0, 2000));
    expect(html).toContain('<title>Run 1</title>');
    expect(html.match(/<div id="figure-\d" class="figure" style="height:300px"><\/div>/g)).toHaveLength(2);
    const figs = embedded(html);
    expect(figs[0].data[0].y).toEqual([3.141593, 0.3333333]);
    expect(figs[1].data[0].x).toEqual([1, 2]);
    expect(embedded(figuresToHtml(fig, { digits: null }))[0].data[0].y).toEqual([Math.PI, 1 / 3]);
  });

  it('keeps text that looks like markup from ending the script or injecting tags', () => {
    const evil = '</script><script>alert(1)</script>';
    const html = figuresToHtml({ data: [{ type: 'scatter', name: evil }], layout: {} }, { title: '<b>x</b>' });
    expect(html).toContain('<title>&lt;b&gt;x&lt;/b&gt;</title>');
    expect(html.split('</script>').length - 1).toBe(2); // the plotly script and the figures script
    expect(embedded(html)[0].data[0].name).toBe(evil);
  });

  it('writes the file, creating folders', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfjs-flows-html-'));
    try {
      const path = join(dir, 'a', 'b', 'report.html');
      await writeHtml({ data: [], layout: {} }, path);
      expect(readFileSync(path, 'utf8').startsWith('<!DOCTYPE html>')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects what is not a figure', async () => {
    expect(() => figuresToHtml([])).toThrow(/one figure or a non-empty array/);
    expect(() => figuresToHtml([{ data: 1 } as never])).toThrow(/argument 'figures\[0\]' must be a plotly figure/);
    expect(() => figuresToHtml({ data: [], layout: {} }, { digits: 0 })).toThrow(ValidationError);
    await expect(writeHtml({ data: [], layout: {} }, '')).rejects.toThrow(/writeHtml: argument 'path'/);
  });
});
