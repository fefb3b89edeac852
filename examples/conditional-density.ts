/**
 * A conditional density p(x | c): data whose distribution moves with a context variable c.
 *
 *     npx tsx examples/conditional-density.ts [--quick]
 *
 * Data: c ~ U(−1.5, 1.5), x₁ | c ~ N(c, 0.3²), x₂ | x₁ ~ N(sin 2x₁, 0.2²). The flow gets c as context
 * (`contextDim: 1`), is fitted with `fit(flow, x, { context })`, and its test NLL is compared with the
 * true conditional entropy ½ log(2πe·0.3²) + ½ log(2πe·0.2²), the floor of any model's NLL.
 */
import { Rng, fit, neuralSplineFlow, ready, samplesFigure, tf } from 'tfjs-flows';
import { writeHtml } from 'tfjs-flows/node';
import { pick } from './quick.js';

await ready();

function draw(n: number, seed: number): { x: number[][]; c: number[][] } {
  const rng = new Rng(seed);
  const x: number[][] = [];
  const c: number[][] = [];
  for (let i = 0; i < n; i++) {
    const ci = 3 * rng.uniform() - 1.5;
    const x1 = ci + 0.3 * rng.normal();
    x.push([x1, Math.sin(2 * x1) + 0.2 * rng.normal()]);
    c.push([ci]);
  }
  return { x, c };
}

const train = draw(10000, 1);
const test = draw(3000, 2);
const flow = neuralSplineFlow({ dim: 2, contextDim: 1, layers: 4, hidden: [64, 64], seed: 0 });
await fit(flow, train.x, { context: train.c, steps: pick(1500, 60), batchSize: 256, seed: 3 });

const nll = tf.tidy(() => tf.neg(tf.mean(flow.logProb(test.x, test.c)))).dataSync()[0];
const floor = 0.5 * Math.log(2 * Math.PI * Math.E * 0.09) + 0.5 * Math.log(2 * Math.PI * Math.E * 0.04);
console.log(`conditional test NLL ${nll.toFixed(3)} nats; the true conditional entropy is ${floor.toFixed(3)}`);

// Samples at two contexts: the cloud follows c along the sine.
for (const c of [-1, 1]) {
  const s = flow.sample(2000, { seed: 4, context: [[c]] });
  const mean = tf.tidy(() => tf.mean(s, 0)).dataSync();
  console.log(`c = ${c}: sample mean of x₁ ${mean[0].toFixed(2)} (true ${c}), of x₂ ${mean[1].toFixed(2)}`);
  s.dispose();
}
await writeHtml(
  await Promise.all([-1, 0, 1].map((c) => samplesFigure(flow, { n: 1500, seed: 5, context: [c], title: `Samples at c = ${c}` }))),
  'out/examples/conditional-density/report.html',
  { title: 'Conditional density' },
);
console.log('wrote out/examples/conditional-density/report.html');
flow.dispose();
