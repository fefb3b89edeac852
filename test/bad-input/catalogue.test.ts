/**
 * The bad-input catalogue: every public entry point called with bad inputs must throw a typed
 * library error naming the argument, what was expected and what arrived, and leak no tensors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BadCase, expectBadInput } from '../helpers/bad-input.js';
import { FLOW_CASES, setupFlowFixtures, teardownFlowFixtures } from './cases-flow.js';
import { PLOT_CASES, setupPlotFixtures, teardownPlotFixtures } from './cases-data-plot.js';
import { MISC_CASES, setWeightsIsAtomic } from './cases-misc.js';
import { IO_CASES, setupIoFixtures, teardownIoFixtures } from './cases-io.js';
import { TRAIN_CASES, setupTrainFixtures, teardownTrainFixtures } from './cases-train.js';

let count = 0;
const run = (c: BadCase) => async () => {
  count++;
  await expectBadInput(c);
};

describe('flows, bijectors, distributions, rqSpline, checkBijector', () => {
  beforeAll(setupFlowFixtures);
  afterAll(teardownFlowFixtures);
  for (const c of FLOW_CASES) it(c.name, run(c));
});

describe('fit, fitToTarget, importanceSample', () => {
  beforeAll(setupTrainFixtures);
  afterAll(teardownTrainFixtures);
  for (const c of TRAIN_CASES) it(c.name, run(c));
});

describe('datasets, figures, writeHtml, renderPng', () => {
  beforeAll(setupPlotFixtures);
  afterAll(teardownPlotFixtures);
  for (const c of PLOT_CASES) it(c.name, run(c));
});

describe('save, load, CSV, checkpoints', () => {
  beforeAll(setupIoFixtures);
  afterAll(teardownIoFixtures);
  for (const c of IO_CASES) it(c.name, run(c));
});

describe('Rng, gradient ops, schedules, Dense, weights', () => {
  for (const c of MISC_CASES) it(c.name, run(c));
  it('a rejected setWeights changes no weight', () => expect(setWeightsIsAtomic()).toBe(true));
});

afterAll(() => {
  console.log(`bad-input catalogue: ${count} cases`);
});
