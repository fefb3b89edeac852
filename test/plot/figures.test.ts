import { describe, expect, it } from 'vitest';
import {
  Affine, Chain, Flow, Permute, Scale, Shift, StandardNormal, Tanh, ValidationError, tf,
  layerStates, layersFigure, samplesFigure, trainingCurvesFigure, type PlotFigure, type PlotTrace,
} from '../../src/index.js';
import { expectNoLeak, expectNoLeakAsync } from '../helpers/leaks.js';

type XY = PlotTrace & { x: (number | null)[]; y: (number | null)[] };
const xy = (t: PlotTrace) => t as XY;
const columns = (values: ArrayLike<number>, dim: number) =>
  Array.from({ length: dim }, (_, j) => Array.from({ length: values.length / dim }, (_, i) => values[i * dim + j]));

const makeFlow = () =>
  new Flow(new StandardNormal(2), new Chain([new Affine(2, { shift: [1, -1], scale: [2, 0.5] }), new Permute([1, 0]), new Tanh(), new Scale([1.5, 0.7])]));

describe('samplesFigure', () => {
  it('scatters exactly flow.sample(n, { seed }) over the data, with density-normalised marginal histograms', async () => {
    const flow = makeFlow();
    const data = [[0.1, 0.2], [0.3, -0.4], [-0.5, 0.6]];
    const fig = await samplesFigure(flow, { n: 257, seed: 9, data });
    const s = flow.sample(257, { seed: 9 });
    const [sx, sy] = columns(s.dataSync(), 2);
    s.dispose();
    expect(fig.data.map((t) => `${t.type}:${t.name}`)).toEqual([
      'scatter:data', 'scatter:samples', 'histogram:data', 'histogram:samples', 'histogram:data', 'histogram:samples',
    ]);
    expect(xy(fig.data[1]).x).toEqual(sx);
    expect(xy(fig.data[1]).y).toEqual(sy);
    expect(xy(fig.data[0]).x).toEqual([0.1, 0.3, -0.5].map(Math.fround));
    expect(xy(fig.data[0]).y).toEqual([0.2, -0.4, 0.6].map(Math.fround));
    // Top histograms bin x on the shared x axis; right ones bin y, horizontally, on the shared y axis.
    expect(fig.data[3].x).toEqual(sx);
    expect([fig.data[3].xaxis, fig.data[3].yaxis]).toEqual(['x', 'y2']);
    expect(fig.data[5].y).toEqual(sy);
    expect([fig.data[5].xaxis, fig.data[5].yaxis, fig.data[5].orientation]).toEqual(['x2', 'y', 'h']);
    expect(fig.data.slice(2).every((t) => t.histnorm === 'probability density')).toBe(true);
    // Same seed, same picture.
    expect((await samplesFigure(flow, { n: 257, seed: 9, data })).data).toEqual(fig.data);
    flow.dispose();
  });

  it('plots given points, picks coordinates with dims, and leaks nothing', async () => {
    const points = [[1, 2, 3], [4, 5, 6]];
    const fig = await samplesFigure(points, { dims: [2, 0], marginals: false });
    expect(fig.data).toHaveLength(1);
    expect(xy(fig.data[0]).x).toEqual([3, 6]);
    expect(xy(fig.data[0]).y).toEqual([1, 4]);
    const layout = fig.layout as { xaxis: { title: { text: string } }; yaxis: { title: { text: string }; scaleanchor: string } };
    expect(layout.xaxis.title.text).toBe('x₃');
    expect(layout.yaxis.title.text).toBe('x₁');
    expect(layout.yaxis.scaleanchor).toBe('x');
    const flow = makeFlow();
    await expectNoLeakAsync(() => samplesFigure(flow, { n: 100 }));
    await expect(samplesFigure(points, { dims: [0, 0] })).rejects.toThrow(/options.dims/);
    await expect(samplesFigure(points, { n: 5 })).rejects.toThrow(/options.n/);
    await expect(samplesFigure([[1], [2]])).rejects.toThrow(/density1dFigure/);
    await expect(samplesFigure(flow, { n: 0 })).rejects.toThrow(ValidationError);
    flow.dispose();
  });
});

describe('trainingCurvesFigure', () => {
  const history = {
    steps: [0, 10, 20, 30, 40],
    loss: [3, 2.5, 2.1, 1.9, 1.8],
    validation: { steps: [0, 20, 40], loss: [3.1, 2.2, 2.3] },
  };

  it('draws the recorded losses and marks the lowest validation loss as the best step', async () => {
    const fig = trainingCurvesFigure(history);
    expect(fig.data.map((t) => t.name)).toEqual(['training', 'validation', 'best (step 20)']);
    expect(fig.data[0].x).toEqual(history.steps);
    expect(fig.data[0].y).toEqual(history.loss);
    expect(fig.data[1].x).toEqual([0, 20, 40]);
    expect(fig.data[1].y).toEqual([3.1, 2.2, 2.3]);
    expect(fig.data[2].x).toEqual([20]);
    expect(fig.data[2].y).toEqual([2.2]);
    const shapes = (fig.layout as { shapes: { x0: number; x1: number }[] }).shapes;
    expect(shapes).toHaveLength(1);
    expect([shapes[0].x0, shapes[0].x1]).toEqual([20, 20]);
  });

  it('uses history.bestStep when given, on the training curve when there is no validation', async () => {
    expect(trainingCurvesFigure({ ...history, bestStep: 40 }).data[2]).toMatchObject({ x: [40], y: [2.3] });
    const train = trainingCurvesFigure({ steps: history.steps, loss: history.loss, bestStep: 30 });
    expect(train.data.map((t) => t.name)).toEqual(['training', 'best (step 30)']);
    expect(train.data[1]).toMatchObject({ x: [30], y: [1.9] });
    const none = trainingCurvesFigure({ steps: history.steps, loss: history.loss });
    expect(none.data).toHaveLength(1);
    expect((none.layout as { shapes: unknown[] }).shapes).toEqual([]);
  });

  it('adds an exponential moving average m_k = a·m_{k−1} + (1 − a)·loss_k, m_0 = loss_0', async () => {
    const fig = trainingCurvesFigure({ steps: [0, 1, 2], loss: [4, 2, 1] }, { smoothing: 0.5 });
    const ema = fig.data[1].y as number[];
    expect(ema[0]).toBe(4);
    expect(ema[1]).toBeCloseTo(3, 12);
    expect(ema[2]).toBeCloseTo(2, 12);
  });

  it('rejects malformed histories with a ValidationError', async () => {
    expect(() => trainingCurvesFigure({ steps: [0, 1], loss: [1] })).toThrow(/2 steps and 1 losses/);
    expect(() => trainingCurvesFigure({ steps: [0, 1], loss: [1, NaN] })).toThrow(/history.loss\[1\]/);
    expect(() => trainingCurvesFigure({ steps: [], loss: [] })).toThrow(/at least one recorded step/);
    expect(() => trainingCurvesFigure({ steps: [0], loss: [-1] }, { logY: true })).toThrow(/options.logY/);
    expect(() => trainingCurvesFigure({ steps: [0], loss: [1] }, { smoothing: 1 })).toThrow(/options.smoothing/);
    expect(() => trainingCurvesFigure(null as never)).toThrow(ValidationError);
  });
});

describe('layersFigure', () => {
  it('draws, panel by panel, exactly the states of flow.forwardStates for z = base.sample(n, seed)', async () => {
    const flow = makeFlow();
    const fig = await layersFigure(flow, { n: 50, seed: 5, gridLines: 3, gridPoints: 4 });
    const z = flow.base.sample(50, 5);
    const { states, names } = flow.forwardStates(z);
    expect(names).toEqual(['base', 'Scale', 'Tanh', 'Permute', 'Affine']);
    expect(fig.data).toHaveLength(2 * states.length);
    states.forEach((s, k) => {
      const [sx, sy] = columns(s.dataSync(), 2);
      const suffix = k === 0 ? '' : String(k + 1);
      expect(fig.data[2 * k]).toMatchObject({ name: 'grid', xaxis: `x${suffix}`, yaxis: `y${suffix}` });
      expect(fig.data[2 * k + 1]).toMatchObject({ name: 'samples', x: sx, y: sy, xaxis: `x${suffix}` });
      expect((fig.layout[`yaxis${suffix}`] as { scaleanchor: string }).scaleanchor).toBe(`x${suffix}`);
    });
    const titles = (fig.layout.annotations as { text: string }[]).map((a) => a.text);
    expect(titles).toEqual(['base z', '1. after Scale', '2. after Tanh', '3. after Permute', '4. after Affine = x']);
    tf.dispose([z, ...states]);
    flow.dispose();
  });

  it('warps a latent grid of lines through the same layers', async () => {
    const flow = makeFlow();
    const st = await layerStates(flow, { n: 20, gridLines: 3, gridPoints: 4, latentBounds: [[-2, 2], [-1, 1]] });
    // State 0 is the latent grid itself: 3 vertical lines (x = −2, 0, 2) then 3 horizontal (y = −1, 0, 1), 4 points each.
    expect(Array.from(st.grid[0].subarray(0, 8))).toEqual([-2, -1, -2, -1 / 3, -2, 1 / 3, -2, 1].map(Math.fround));
    expect(Array.from(st.grid[0].subarray(24, 26))).toEqual([-2, -1]);
    const last = flow.forwardStates({ data: st.grid[0], shape: [24, 2] });
    expect(Array.from(st.grid[st.grid.length - 1])).toEqual(Array.from(last.states[last.states.length - 1].dataSync()));
    tf.dispose(last.states);
    // In the figure, the 6 lines are one trace with a gap (null) between consecutive lines.
    const fig = await layersFigure(flow, { n: 20, gridLines: 3, gridPoints: 4, latentBounds: [[-2, 2], [-1, 1]] });
    const grid = xy(fig.data[0]);
    expect(grid.x).toHaveLength(6 * 4 + 5);
    expect(grid.x.filter((v) => v === null)).toHaveLength(5);
    expect(grid.x[4]).toBeNull();
    flow.dispose();
  });

  it('in animation mode gives one frame per state, each equal to that state', async () => {
    const flow = makeFlow();
    const fig: PlotFigure = await layersFigure(flow, { n: 30, mode: 'animation', gridLines: 0 });
    const z = flow.base.sample(30, 0);
    const { states } = flow.forwardStates(z);
    expect(fig.frames).toHaveLength(states.length);
    states.forEach((s, k) => {
      const [sx, sy] = columns(s.dataSync(), 2);
      expect(fig.frames![k].data).toHaveLength(1);
      expect(fig.frames![k].data[0]).toMatchObject({ x: sx, y: sy });
    });
    expect(fig.data[0]).toMatchObject({ x: fig.frames![0].data[0].x });
    tf.dispose([z, ...states]);
    flow.dispose();
  });

  it('colours points by their latent angle (or radius) and includes a standardisation as its own layers', async () => {
    const flow = new Flow(new StandardNormal(2), new Shift([1, 1]));
    flow.standardize({ mean: [5, 5], std: [2, 3] });
    const fig = await layersFigure(flow, { n: 10, gridLines: 0, colorBy: 'radius' });
    const z = flow.base.sample(10, 0);
    const zz = z.arraySync();
    z.dispose();
    expect((fig.data[0].marker as { color: number[] }).color).toEqual(zz.map(([a, b]) => Math.hypot(a, b)));
    expect((fig.layout.annotations as { text: string }[]).map((a) => a.text)).toEqual(['base z', '1. after Shift', '2. after Scale', '3. after Shift = x']);
    const angle = await layersFigure(flow, { n: 10, gridLines: 0 });
    expect((angle.data[0].marker as { color: number[] }).color).toEqual(zz.map(([a, b]) => Math.atan2(b, a)));
    flow.dispose();
  });

  it('leaks nothing and rejects bad options', async () => {
    const flow = makeFlow();
    await expectNoLeakAsync(() => layersFigure(flow, { n: 40 }));
    await expectNoLeakAsync(() => layersFigure(flow, { n: 40, mode: 'animation' }));
    await expect(layersFigure(flow, { mode: 'movie' as never })).rejects.toThrow(/options.mode/);
    await expect(layersFigure(flow, { colorBy: 'hue' as never })).rejects.toThrow(/options.colorBy/);
    await expect(layersFigure(flow, { gridLines: 1 })).rejects.toThrow(/options.gridLines/);
    const flow3 = new Flow(new StandardNormal(3), new Permute([2, 0, 1]));
    await expect(layersFigure(flow3)).rejects.toThrow(/a flow of dimension 2/);
    flow.dispose();
    flow3.dispose();
  });
});
