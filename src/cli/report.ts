/**
 * The training report (`report.html`): the learned density (or, above two dimensions, pairwise
 * scatters of samples with their marginals), samples over the data, the training curves and, in two
 * dimensions, the flow layer by layer. Conditional flows are drawn at the median context, over the
 * training rows whose context is nearest to it.
 */
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FileFormatError } from '../errors.js';
import type { Flow } from '../flow.js';
import { density1dFigure } from '../plot/density-1d.js';
import { densityFigure } from '../plot/density.js';
import type { PlotFigure } from '../plot/figure.js';
import { layersFigure } from '../plot/layers.js';
import { samplesFigure } from '../plot/samples.js';
import { trainingCurvesFigure, type TrainingHistory } from '../plot/training.js';
import { writeHtml } from '../plot/node/html.js';
import { subset } from './split.js';
import type { Table } from './table.js';

/** Data rows drawn under the samples (more only slows the page down). */
const MAX_POINTS = 2000;
/** Coordinates whose pairs are drawn above two dimensions (6 panels for 4). */
const MAX_PAIR_DIMS = 4;

export interface ReportInput {
  flow: Flow;
  /** Training rows (a subset is drawn). */
  data: Table;
  history: TrainingHistory;
  /** Page title. */
  title: string;
  /** Names of the data columns, for panel titles. */
  columns: string[];
  /** Figures added after the standard ones. */
  extra?: PlotFigure[];
}

/** Median of each context column, and the indices of the rows whose context is nearest to it (standardised distance). */
function medianContext(data: Table): { context: number[]; near: number[] } {
  const { n, contextDim } = data;
  const c = data.context!;
  const column = (j: number) => Array.from({ length: n }, (_, i) => c[i * contextDim + j]);
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  const std = (v: number[]) => {
    const m = v.reduce((s, x) => s + x, 0) / v.length;
    return Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / v.length) || 1;
  };
  const cols = Array.from({ length: contextDim }, (_, j) => column(j));
  const context = cols.map(median);
  const scale = cols.map(std);
  const dist = (i: number) => cols.reduce((s, col, j) => s + ((col[i] - context[j]) / scale[j]) ** 2, 0);
  const near = [...Array(n).keys()].sort((a, b) => dist(a) - dist(b)).slice(0, Math.max(1, Math.ceil(n / 5)));
  return { context, near };
}

/** The report's figures. */
export async function reportFigures(input: ReportInput): Promise<PlotFigure[]> {
  const { flow, history, columns } = input;
  let rows = input.data;
  let context: number[] | undefined;
  let at = '';
  if (flow.contextDim > 0) {
    const m = medianContext(rows);
    context = m.context;
    rows = subset(rows, m.near);
    at = ` at context [${context.map((v) => Number(v.toPrecision(4))).join(', ')}] (data: nearest fifth)`;
  }
  if (rows.n > MAX_POINTS) rows = subset(rows, Array.from({ length: MAX_POINTS }, (_, k) => Math.floor((k * rows.n) / MAX_POINTS)));
  const data = { data: rows.x, shape: [rows.n, rows.dim] as const };
  const ctx = context ? { context } : {};
  const figures: PlotFigure[] = [];
  if (flow.dim === 1) {
    figures.push(await density1dFigure(flow, { data, ...ctx, labels: columns, title: `Learned density of ${columns[0]}${at}` }));
  } else if (flow.dim === 2) {
    figures.push(await densityFigure(flow, { data, ...ctx, labels: columns, title: `Learned density${at}` }));
    figures.push(await samplesFigure(flow, { n: MAX_POINTS, data, seed: 1, ...ctx, labels: columns, title: `Samples (blue) over the data (grey)${at}` }));
  } else {
    const d = Math.min(flow.dim, MAX_PAIR_DIMS);
    for (let i = 0; i < d; i++) {
      for (let j = i + 1; j < d; j++) {
        figures.push(await samplesFigure(flow, { n: MAX_POINTS, data, seed: 1, dims: [i, j], ...ctx, labels: columns, title: `Samples over the data: ${columns[i]} vs ${columns[j]}${at}` }));
      }
    }
  }
  figures.push(trainingCurvesFigure(history, { title: 'Training curves (mean NLL, nats)' }));
  if (flow.dim === 2) figures.push(await layersFigure(flow, { n: 1000, ...ctx, title: `Layer by layer: base → data${at}` }));
  return [...figures, ...(input.extra ?? [])];
}

/** Write the report of a training run to `path`, atomically (a temporary file renamed over it). */
export async function writeReport(path: string, input: ReportInput): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeHtml(await reportFigures(input), temp, { title: input.title });
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true });
    if (e instanceof FileFormatError && e.path === temp) throw new FileFormatError(path, e.message.slice(temp.length + 2));
    throw e;
  }
}
