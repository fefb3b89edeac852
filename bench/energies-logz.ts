/**
 * Reference log Z of the target energies (src/energies), computed once by dense trapezoid quadrature
 * in float64 and pasted into src/energies/*.ts as constants. Run: `npx tsx bench/energies-logz.ts`.
 *
 * For each energy: the box (chosen so that log p̃ on its edges is below max log p̃ − 36, i.e. the mass
 * outside is negligible against 1e-15), the grid (nodes per axis at spacing 0.01), and three error
 * estimates: the change when the spacing is halved, when it is doubled (the grid the tests recompute
 * on), and when the box grows by 1 on every side. `logZError` is the largest of them, floored at 1e-12
 * (float64 summation of millions of terms). The trapezoid rule converges exponentially here because
 * the integrands are smooth and negligible at the box edges.
 */
import { type Box, energies64, logTrapezoid2d, ringOfEightLogZ } from '../test/helpers/energies64.js';

const H = 0.01;
const boxes: Record<string, Box> = {
  u1: [[-6, 6], [-6, 6]],
  u2: [[-7, 7], [-8, 8]],
  u3: [[-7, 7], [-8, 8]],
  u4: [[-7, 7], [-8, 8]],
  twoMoons: [[-5, 5], [-5, 5]],
  ringOfEight: [[-5, 5], [-5, 5]],
};

const nodes = (box: Box, h: number): [number, number] => [Math.round((box[0][1] - box[0][0]) / h) + 1, Math.round((box[1][1] - box[1][0]) / h) + 1];
const grow = (box: Box, by: number): Box => [[box[0][0] - by, box[0][1] + by], [box[1][0] - by, box[1][1] + by]];

const results: Record<string, unknown> = {};
for (const [name, box] of Object.entries(boxes)) {
  const f = energies64[name];
  const t0 = performance.now();
  const grid = nodes(box, H);
  const logZ = logTrapezoid2d(f, box, ...grid);
  const halved = logTrapezoid2d(f, box, ...nodes(box, H / 2));
  const doubled = logTrapezoid2d(f, box, ...nodes(box, 2 * H));
  const grown = logTrapezoid2d(f, grow(box, 1), ...nodes(grow(box, 1), H));
  let edgeMax = -Infinity;
  for (let i = 0; i <= 400; i++) {
    const s = i / 400;
    const x = box[0][0] + s * (box[0][1] - box[0][0]);
    const y = box[1][0] + s * (box[1][1] - box[1][0]);
    edgeMax = Math.max(edgeMax, f(x, box[1][0]), f(x, box[1][1]), f(box[0][0], y), f(box[0][1], y));
  }
  const estimates = { halvedSpacing: halved - logZ, doubledSpacing: doubled - logZ, grownBox: grown - logZ };
  results[name] = {
    logZ,
    logZError: Math.max(1e-12, ...Object.values(estimates).map(Math.abs)),
    box,
    grid,
    spacing: H,
    errorEstimates: estimates,
    maxLogDensityOnBoxEdge: edgeMax,
    ...(name === 'ringOfEight' ? { exact: ringOfEightLogZ, differenceFromExact: logZ - ringOfEightLogZ } : {}),
    seconds: +((performance.now() - t0) / 1000).toFixed(1),
  };
}
console.log(JSON.stringify(results, null, 2));
