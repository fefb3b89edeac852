/** A seeded split of a table's rows into training, validation and test rows. */
import { ValidationError } from '../errors.js';
import { type Seed, toRng } from '../random.js';
import { pickRows } from '../train/fit-data.js';
import type { Table } from './table.js';

/** The rows of `table` listed in `index`. */
export function subset(table: Table, index: number[]): Table {
  return {
    x: pickRows(table.x, table.dim, index),
    context: table.context ? pickRows(table.context, table.contextDim, index) : null,
    n: index.length,
    dim: table.dim,
    contextDim: table.contextDim,
  };
}

/**
 * Shuffle the rows with `seed`, then take `round(n · test)` test rows, `round(n · validation)`
 * validation rows and keep the rest for training. A non-zero fraction gets at least one row.
 */
export function splitRows(table: Table, fractions: { validation: number; test: number }, seed: Seed): { train: Table; validation: Table | null; test: Table | null } {
  const { n } = table;
  const count = (f: number) => (f > 0 ? Math.max(1, Math.round(n * f)) : 0);
  const nTest = count(fractions.test);
  const nVal = count(fractions.validation);
  if (n - nTest - nVal < 1) {
    throw new ValidationError('tfjs-flows fit', '--val/--test', `fractions leaving at least one training row of ${n}`, `${nVal} validation and ${nTest} test rows`);
  }
  const order = toRng(seed).permutation(n);
  return {
    test: nTest > 0 ? subset(table, order.slice(0, nTest)) : null,
    validation: nVal > 0 ? subset(table, order.slice(nTest, nTest + nVal)) : null,
    train: subset(table, order.slice(nTest + nVal)),
  };
}
