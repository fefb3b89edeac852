import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileFormatError, ValidationError, tf } from '../../src/index.js';
import { loadCsv } from '../../src/node.js';
import { openCsv, sniffDelimiter } from '../../src/data/csv-reader.js';

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
    await expect(loadCsv(join(dir, 'missing.csv'))).rejects.toThrow(/missing\.csv: no such file/);
    await expect(loadCsv(dir)).rejects.toThrow(/is a directory, not a CSV file/);
  });

  it('rejects unknown columns and options with ValidationError', async () => {
    const p = file('v.csv', 'a,b\n1,2\n');
    await expect(loadCsv(p, { columns: ['c'] })).rejects.toThrow(ValidationError);
    await expect(loadCsv(p, { columns: ['c'] })).rejects.toThrow(/column names among "a", "b" or indices 0–1; got "c"/);
    await expect(loadCsv(p, { columns: ['a'], contextColumns: ['a'] })).rejects.toThrow(/distinct/);
    await expect(loadCsv(p, { cols: ['a'] } as never)).rejects.toThrow(/unknown option "cols"/);
  });
});

describe('the streaming reader', () => {
  it('detects the delimiter when every line agrees on one of , ; tab, and only then', () => {
    expect(sniffDelimiter('a,b\n1,2\n')).toBe(',');
    expect(sniffDelimiter('a;b;c\n1,5;2;3\n')).toBe(';'); // decimal commas do not fool it: ',' is not on every line
    expect(sniffDelimiter('a\tb\n1\t2\r\n')).toBe('\t');
    expect(sniffDelimiter('"x,y";b\n1;2\n')).toBe(';'); // a quoted comma is not a delimiter
    expect(sniffDelimiter('x\n1\n2\n')).toBe(','); // one column
    expect(sniffDelimiter('1,2;3\n4,5;6\n')).toBeNull(); // ambiguous
  });

  it('reads ; and tab files without being told, and asks for the delimiter when it cannot tell', async () => {
    const semi = await loadCsv(file('semi.csv', 'a;b\n1;2\n3;4\n'));
    expect([semi.columns, values(semi.x)]).toEqual([['a', 'b'], [1, 2, 3, 4]]);
    semi.x.dispose();
    const tab = await loadCsv(file('tab.tsv', '1\t2\n3\t4\n'));
    expect(values(tab.x)).toEqual([1, 2, 3, 4]);
    tab.x.dispose();
    await expect(loadCsv(file('amb.csv', '1,2;3\n4,5;6\n'))).rejects.toThrow(/cannot tell the delimiter: ',' and ';'.*options\.delimiter/);
    const given = await loadCsv(file('amb2.csv', '1,2;3\n4,5;6\n'), { delimiter: ';', header: false, columns: [1] });
    expect(values(given.x)).toEqual([3, 6]);
    given.x.dispose();
  });

  it('reads rows across chunks exactly, and counts lines through blank lines and quoted newlines', async () => {
    const n = 20000;
    const lines = Array.from({ length: n }, (_, i) => `${i},${-i / 4}`);
    const reader = await openCsv(file('long.csv', `i,v\n${lines.join('\n')}\n`));
    const seen: number[] = [];
    let sum = 0;
    for await (const c of reader.chunks({ indices: [0, 1], contextIndices: [] }, 8192)) {
      seen.push(c.n);
      for (let r = 0; r < c.n; r++) {
        expect(c.x[2 * r + 1] + c.x[2 * r] / 4).toBe(0);
        sum += c.x[2 * r];
      }
    }
    expect(seen).toEqual([8192, 8192, 3616]);
    expect(sum).toBe((n * (n - 1)) / 2);
    // Line 1 header, line 2 data, 3 blank, 4-5 one record with a quoted newline, line 6 the bad cell.
    const p = file('lines.csv', 'a,note,b\n1,x,2\n\n3,"two\nlines",4\n5,y,oops\n');
    await expect(loadCsv(p, { columns: ['a', 'b'] })).rejects.toThrow(/line 6, column 3 \('b'\): expected a finite number; got "oops"/);
  });

  it('puts parser errors in its own words, with the line', async () => {
    const quote = loadCsv(file('quote.csv', 'a,b\n1,2\n3,"4\n'));
    await expect(quote).rejects.toThrow(/quote\.csv: line \d+: a quoted field is not closed/);
    await expect(loadCsv(file('q2.csv', 'a,b\n1,x"y"\n'))).rejects.toThrow(/line 2: a quote inside an unquoted field/);
    await expect(loadCsv(file('short.csv', 'a,b\n1,2\n3\n'))).rejects.toThrow(/line 3: expected 2 fields \(as on line 1\); got 1/);
    await expect(loadCsv(file('comma.csv', 'a;b\n1,5;2\n'))).rejects.toThrow(/got "1,5" \(a decimal comma\?/);
  });
});
