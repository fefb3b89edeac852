// Lists the failed cells of executed notebooks: `error` outputs, and stderr text, which is how tslab
// reports type errors and exceptions. Exits 1 if any notebook has one.
//   node scripts/notebook-errors.mjs executed.ipynb …
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const text = (s) => (Array.isArray(s) ? s.join('') : s ?? '');
let failed = false;
for (const file of process.argv.slice(2)) {
  const nb = JSON.parse(readFileSync(file, 'utf8'));
  nb.cells.forEach((cell, k) => {
    for (const o of cell.outputs ?? []) {
      const message = o.output_type === 'error' ? `${o.ename}: ${o.evalue}` : o.output_type === 'stream' && o.name === 'stderr' ? text(o.text) : null;
      if (message === null) continue;
      failed = true;
      const source = text(cell.source).split('\n').slice(0, 3).join('\n      ');
      console.log(`  ${basename(file)}, cell ${k + 1}:\n      ${source}\n    ${message.trim().split('\n').slice(0, 12).join('\n    ')}`);
    }
  });
}
process.exit(failed ? 1 : 0);
