import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileFormatError, ValidationError, tf } from '../../src/index.js';
import { loadCsv } from '../../src/node.js';

const dir = mkdtempSync(join(tmpdir(), 'tfjs-flows-csv-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const values = (t: tf.Tensor | null) => (t ? Array.from(t.dataSync()) : null);

describe('loadCsv', () => {
  it('detects a header, loads every column, and keeps text columns out when a subset is named', async () => {
    const p = file('h.csv', 'id,x,y\nA,1,2.5\nB,-3,4e-1\n\nC, 5 ,6\n');
    const all = await loadCsv(p, { columns: ['x', 'y'] });
    expect(all.columns).toEqual(['x', 'y']);
    expect(all.x.shape).toEqual([3, 2]);
    expect(values(all.x)).toEqual([1, 2.5, -3, 0.4, 5, 6].map(Math.fround));
    expect(all.context).toBeNull();
    all.x.dispose();
    const sub = await loadCsv(p, { columns: ['y'], contextColumns: [1] });
    expect([sub.columns, sub.contextColumns]).toEqual([['y'], ['x']]);
    expect([values(sub.x), values(sub.context)]).toEqual([[2.5, 0.4, 6].map(Math.fround), [1, -3, 5]]);
    tf.dispose([sub.x, sub.context!]);
  });

  it('reads a file without a header (auto-detected or forced) and names columns by index', async () => {
    const p = file('n.csv', '1;2\n3;4\n');
    const auto = await loadCsv(p, { delimiter: ';' });
    expect([auto.columns, values(auto.x)]).toEqual([['0', '1'], [1, 2, 3, 4]]);
    auto.x.dispose();
    const forced = await loadCsv(p, { delimiter: ';', header: true });
    expect([forced.columns, values(forced.x)]).toEqual([['1', '2'], [3, 4]]);
    forced.x.dispose();
  });

  it('names the line and column of a non-numeric or empty cell', async () => {
    const p = file('bad.csv', 'a,b\n1,2\n3,oops\n');
    await expect(loadCsv(p)).rejects.toThrow(FileFormatError);
    await expect(loadCsv(p)).rejects.toThrow(/bad\.csv: line 3, column 2 \('b'\): expected a finite number; got "oops"/);
    await expect(loadCsv(file('empty-cell.csv', '1,2\n3,\n'))).rejects.toThrow(/line 2, column 2: expected a finite number; got an empty cell/);
    await expect(loadCsv(file('nan.csv', 'a\n1\nNaN\n'))).rejects.toThrow(/line 3, column 1 \('a'\).*got "NaN"/);
  });

  it('reports ragged rows, empty files and missing files as FileFormatError', async () => {
    await expect(loadCsv(file('ragged.csv', 'a,b\n1,2\n3\n'))).rejects.toThrow(/ragged\.csv: .*line 3/);
    await expect(loadCsv(file('empty.csv', ''))).rejects.toThrow(/no rows/);
    await expect(loadCsv(file('header-only.csv', 'a,b\n'))).rejects.toThrow(/no data rows/);
    await expect(loadCsv(join(dir, 'missing.csv'))).rejects.toThrow(/missing\.csv: cannot read the file/);
  });

  it('rejects unknown columns and options with ValidationError', async () => {
    const p = file('v.csv', 'a,b\n1,2\n');
    await expect(loadCsv(p, { columns: ['c'] })).rejects.toThrow(ValidationError);
    await expect(loadCsv(p, { columns: ['c'] })).rejects.toThrow(/column names among "a", "b" or indices 0–1; got "c"/);
    await expect(loadCsv(p, { columns: ['a'], contextColumns: ['a'] })).rejects.toThrow(/distinct/);
    await expect(loadCsv(p, { cols: ['a'] } as never)).rejects.toThrow(/unknown option "cols"/);
  });
});
