/** Child of bench/io.ts: read CSV from standard input through the library's streaming reader, print the row count. */
import { openCsv } from '../../src/data/csv-reader.js';

const reader = await openCsv('-');
let rows = 0;
for await (const chunk of reader.chunks({ indices: [...Array(reader.width).keys()], contextIndices: [] })) rows += chunk.n;
console.log(rows);
