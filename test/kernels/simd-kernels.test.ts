import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { Rng, tf } from '../../src/index.js';
import { type WasmBackendInternals, engineHasRelaxedSimd, heapOffset, setRelaxedSimdEnabled, simdKernels, simdVariant, wasmHeapMemory } from '../../src/kernels/simd/simd-kernels.js';
import { adamUpdateSimd } from '../../src/kernels/adam.js';
import { denseGradIn1Simd, denseGradNarrowSimd, denseGradSimd, gemmNNSimd, gemmTNSimd, transpose2d } from '../../src/kernels/simd/simd-ops.js';
import { fusedAdamOptimizer } from '../../src/train/fused-adam.js';
import { useBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';

const normals = (seed: string, n: number) => new Rng(seed).normals(n);

describe('WebAssembly SIMD kernels on the wasm backend', () => {
  useBackend('wasm');

  it('reach TF.js\'s wasm heap (the pinned asm.memory internal of tfjs-backend-wasm 4.22) and compile', () => {
    // If this fails after a TF.js upgrade, the SIMD paths silently fall back: fix the lookup.
    expect(wasmHeapMemory(tf.backend())).not.toBeNull();
    expect(simdKernels()).not.toBeNull();
    // The fused Adam's in-place update: reference counts, and the native registry it re-registers ids in.
    const b = tf.backend() as unknown as WasmBackendInternals;
    expect(typeof b.refCount).toBe('function');
    expect(typeof b.wasm.tfjs.disposeData).toBe('function');
    expect(typeof b.wasm.tfjs.registerTensor).toBe('function');
    const t = tf.tensor1d([1, 2]);
    expect(typeof b.dataIdMap.get(t.dataId).id).toBe('number');
    t.dispose();
  });

  it('transpose2d(x)[j, i] = x[i, j] exactly, for sizes that are and are not multiples of 4', () => {
    for (const [r, c] of [[256, 64], [8, 12], [4, 4], [5, 3], [64, 2]] as const) {
      const xs = normals(`t${r}x${c}`, r * c);
      expectNoLeak(() => {
        const x = tf.tensor2d(xs, [r, c]);
        const t = transpose2d(x);
        expect(t.shape).toEqual([c, r]);
        const v = t.dataSync();
        for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) expect(v[j * r + i]).toBe(xs[i * c + j]);
        return [x, t];
      });
    }
  });

  it('denseGradSimd: dPre = dy·[saved > 0] (relu), dy·min(saved + 1, 1) (ELU) or dy (linear) exactly, dPreᵀ its transpose, dBias the column sums within float32 rounding', () => {
    const [B, n] = [256, 64];
    const dy = normals('dy', B * n);
    const relu = normals('saved', B * n).map((s) => Math.max(s, 0)); // a ReLU output: zeros and positives
    const elu = Array.from(Float32Array.from(normals('saved', B * n).map((s) => (s > 0 ? s : Math.expm1(s))))); // an ELU output, in (−1, ∞)
    for (const activation of ['relu', 'elu', 'linear'] as const) {
      const saved = activation === 'elu' ? elu : relu;
      expectNoLeak(() => {
        const dyT = tf.tensor2d(dy, [B, n]);
        const savedT = tf.tensor2d(saved, [B, n]);
        const out = denseGradSimd(activation, dyT, savedT);
        expect(out).not.toBeNull();
        const [dPre, dPreT, dBias] = out!.map((t) => t.dataSync());
        const sums = new Float64Array(n);
        const absSums = new Float64Array(n);
        for (let r = 0; r < B; r++) {
          for (let j = 0; j < n; j++) {
            const s = saved[r * n + j];
            // float32 products, as the kernel forms them: the slope min(s + 1, 1) rounded once, then the product.
            const g = activation === 'linear' ? dy[r * n + j] : activation === 'relu' ? (s > 0 ? dy[r * n + j] : 0) : Math.fround(Math.fround(dy[r * n + j]) * Math.min(Math.fround(s + 1), 1));
            expect(dPre[r * n + j]).toBe(Math.fround(g));
            expect(dPreT[j * B + r]).toBe(g);
            sums[j] += g;
            absSums[j] += Math.abs(g);
          }
        }
        // float32 summation of B terms: error below B · 2⁻²⁴ · Σ|g| (a strict worst-case bound).
        for (let j = 0; j < n; j++) expect(Math.abs(dBias[j] - sums[j])).toBeLessThanOrEqual(B * 2 ** -24 * absSums[j]);
        return [dyT, savedT, ...out!];
      });
    }
  });

  it('denseGradIn1Simd: dBias = Σ_r g, dW = Σ_r x_r g, dx_r = Σ_j g_rj w_j (g = dy·[saved > 0] or dy) within float32 summation error', () => {
    const [B, n] = [37, 12]; // B not a multiple of 4: the kernel walks rows one at a time
    const dy = normals('dy1', B * n);
    const saved = normals('s1', B * n).map((s) => Math.max(s, 0));
    const x = normals('x1', B);
    const w = normals('w1', n);
    for (const activation of ['relu', 'linear'] as const) {
      for (const needDx of [true, false]) {
        expectNoLeak(() => {
          const ins = [tf.tensor2d(dy, [B, n]), tf.tensor2d(saved, [B, n]), tf.tensor2d(x, [B, 1]), tf.tensor2d(w, [1, n])] as const;
          const out = denseGradIn1Simd(activation, ...ins, needDx);
          expect(out).not.toBeNull();
          const [db, dw, dx] = out!.map((t) => t.dataSync());
          expect(out![2].shape).toEqual(needDx ? [B, 1] : [0, 1]);
          const g = (r: number, j: number) => (activation === 'linear' || saved[r * n + j] > 0 ? dy[r * n + j] : 0);
          // Reference sums in float64 with the float32 worst-case error bound terms·2⁻²⁴·Σ|terms|.
          const close = (got: number, terms: number[]) => {
            const sum = terms.reduce((a, b) => a + b, 0);
            const abs = terms.reduce((a, b) => a + Math.abs(b), 0);
            expect(Math.abs(got - sum)).toBeLessThanOrEqual(terms.length * 2 ** -24 * abs + 1e-30);
          };
          const rows = Array.from({ length: B }, (_, r) => r);
          const cols = Array.from({ length: n }, (_, j) => j);
          for (const j of cols) {
            close(db[j], rows.map((r) => g(r, j)));
            close(dw[j], rows.map((r) => Math.fround(x[r] * g(r, j))));
          }
          if (needDx) for (const r of rows) close(dx[r], cols.map((j) => Math.fround(g(r, j) * w[j])));
          return [...ins, ...out!];
        });
      }
    }
  });

  it('denseGradNarrowSimd: dW = xᵀ·dy, dBias = Σ_r dy, dx = dy·wᵀ for a linear layer with 1–3 outputs, within float32 summation error', () => {
    const [B, m] = [41, 8];
    for (const n of [1, 2, 3]) {
      const dy = normals(`ndy${n}`, B * n);
      const x = normals(`nx${n}`, B * m);
      const w = normals(`nw${n}`, m * n);
      for (const needDx of [true, false]) {
        expectNoLeak(() => {
          const ins = [tf.tensor2d(dy, [B, n]), tf.tensor2d(x, [B, m]), tf.tensor2d(w, [m, n])] as const;
          const out = denseGradNarrowSimd(...ins, needDx);
          expect(out).not.toBeNull();
          const [dw, db, dx] = out!.map((t) => t.dataSync());
          expect(out![0].shape).toEqual([m, n]);
          expect(out![2].shape).toEqual(needDx ? [B, m] : [0, m]);
          const close = (got: number, terms: number[]) => {
            const sum = terms.reduce((a, b) => a + b, 0);
            const abs = terms.reduce((a, b) => a + Math.abs(b), 0);
            expect(Math.abs(got - sum)).toBeLessThanOrEqual(terms.length * 2 ** -24 * abs + 1e-30);
          };
          const rows = Array.from({ length: B }, (_, r) => r);
          for (let j = 0; j < n; j++) {
            close(db[j], rows.map((r) => dy[r * n + j]));
            for (let k = 0; k < m; k++) close(dw[k * n + j], rows.map((r) => Math.fround(x[r * m + k] * dy[r * n + j])));
          }
          if (needDx) {
            for (const r of rows) for (let k = 0; k < m; k++) close(dx[r * m + k], Array.from({ length: n }, (_, j) => Math.fround(dy[r * n + j] * w[k * n + j])));
          }
          return [...ins, ...out!];
        });
      }
    }
    const wide = tf.zeros([4, 4]) as tf.Tensor2D;
    expect(denseGradNarrowSimd(wide, wide, wide, true)).toBeNull(); // 4 outputs: the matMul path
    wide.dispose();
  });

  // The test setup enables relaxed SIMD on Node 20 (enableRelaxedSimd); later Node has it by default.
  it('run the relaxed-SIMD module where the engine has relaxed SIMD (every supported Node here), unless it is turned off', () => {
    expect(engineHasRelaxedSimd()).toBe(true);
    expect(simdVariant()).toBe('relaxed');
    setRelaxedSimdEnabled(false);
    expect(simdVariant()).toBe('baseline');
    setRelaxedSimdEnabled(true);
  });

  it.each(['relaxed', 'baseline'] as const)('denseIn1 (one input column) equals gemmNN\'s 4 × 8 tiles with K = 1 bit for bit, with and without bias and ReLU (%s module)', (variant) => {
    setRelaxedSimdEnabled(variant === 'relaxed');
    const k = simdKernels()!;
    const b = tf.backend() as unknown as WasmBackendInternals;
    const [M, N] = [36, 24];
    const x = tf.tensor1d(normals('in1x', M));
    const w = tf.tensor1d(normals('in1w', N).map((v) => v * 2));
    const bias = tf.tensor1d(normals('in1b', N));
    const tiles = tf.zeros([M * N]);
    const rows = tf.zeros([M * N]);
    const at = (t: tf.Tensor) => heapOffset(b, t);
    for (const withBias of [true, false]) {
      for (const relu of [0, 1]) {
        k.gemmNN(at(x), at(w), withBias ? at(bias) : 0, at(tiles), M, 1, N, relu, N, 0, 0);
        k.denseIn1(at(x), at(w), withBias ? at(bias) : 0, at(rows), M, N, relu);
        const [p, q] = [tiles.dataSync(), rows.dataSync()];
        expect(Array.from(q)).toEqual(Array.from(p));
        expect(q.some((v) => v !== 0) && (relu ? q.every((v) => v >= 0) : q.some((v) => v < 0))).toBe(true);
      }
    }
    setRelaxedSimdEnabled(true);
    tf.dispose([x, w, bias, tiles, rows]);
  });

  it.each(['relaxed', 'baseline'] as const)('gemmTNSimd = aᵀ·b and gemmNNSimd = act(a·b + bias) against float64 products, within the float32 summation bound (%s module)', (variant) => {
    setRelaxedSimdEnabled(variant === 'relaxed');
    expect(simdVariant()).toBe(variant);
    // c: the float32 result; terms(i, j): the exact (float64) products summed into c[i, j].
    const check = (c: Float32Array | Int32Array | Uint8Array, rows: number, cols: number, terms: (i: number, j: number) => number[], relu = false) => {
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          const t = terms(i, j);
          const sum = t.reduce((x, y) => x + y, 0);
          const abs = t.reduce((x, y) => x + Math.abs(y), 0);
          const want = relu ? Math.max(sum, 0) : sum;
          // n float32 roundings of partial sums (and, without fused multiply-adds, of each product).
          expect(Math.abs(c[i * cols + j] - want)).toBeLessThanOrEqual((t.length + 1) * 2 ** -24 * abs + 1e-30);
        }
      }
    };
    // Column counts that are and are not multiples of the 8-wide tile (23: a spline conditioner's output).
    for (const [R, M, N] of [[33, 12, 16], [256, 64, 23], [9, 4, 5], [5, 8, 1]] as const) {
      const a = normals(`ga${N}`, R * M);
      const b = normals(`gb${N}`, R * N);
      expectNoLeak(() => {
        const ins = [tf.tensor2d(a, [R, M]), tf.tensor2d(b, [R, N])] as const;
        const c = gemmTNSimd(...ins);
        expect(c?.shape).toEqual([M, N]);
        check(c!.dataSync(), M, N, (i, j) => Array.from({ length: R }, (_, r) => a[r * M + i] * b[r * N + j]));
        return [...ins, c!];
      });
    }
    for (const [Mn, K, Nn] of [[20, 7, 24], [256, 64, 23], [8, 3, 5], [4, 64, 9], [7, 5, 9], [1, 64, 64], [1023, 1, 64]] as const) {
      const x = normals(`nx${Nn}`, Mn * K);
      const w = normals(`nw${Nn}`, K * Nn);
      const bias = normals(`nb${Nn}`, Nn);
      for (const withBias of [true, false]) {
        for (const relu of [true, false]) {
          expectNoLeak(() => {
            const ins = [tf.tensor2d(x, [Mn, K]), tf.tensor2d(w, [K, Nn]), tf.tensor1d(bias)] as const;
            const c = gemmNNSimd(ins[0], ins[1], withBias ? ins[2] : null, relu);
            expect(c?.shape).toEqual([Mn, Nn]);
            const terms = (i: number, j: number) => [...(withBias ? [bias[j]] : []), ...Array.from({ length: K }, (_, k) => x[i * K + k] * w[k * Nn + j])];
            check(c!.dataSync(), Mn, Nn, terms, relu);
            return [...ins, c!];
          });
        }
      }
    }
    const [odd, w8, a6, none] = [tf.zeros([6, 8]), tf.zeros([8, 8]), tf.zeros([6, 6]), tf.zeros([0, 8])] as tf.Tensor2D[];
    expect(gemmNNSimd(none, w8, null, false)).toBeNull(); // no rows
    expect(gemmTNSimd(a6, odd)).toBeNull(); // 6 output rows
    tf.dispose([odd, w8, a6, none]);
    setRelaxedSimdEnabled(true);
  });

  it('gemmNNSimd gives each row the same bits whatever the batch it is in (remainder rows go through a padded tile)', () => {
    const [M, K, N] = [11, 64, 23];
    const x = normals('rows-x', M * K);
    const w = normals('rows-w', K * N);
    const bias = normals('rows-b', N);
    expectNoLeak(() => tf.tidy(() => {
      const [wt, bt] = [tf.tensor2d(w, [K, N]), tf.tensor1d(bias)];
      const all = gemmNNSimd(tf.tensor2d(x, [M, K]), wt, bt, true)!.dataSync();
      for (const [start, rows] of [[0, 1], [3, 5], [8, 3], [1, 10]] as const) {
        const part = gemmNNSimd(tf.tensor2d(x.subarray(start * K, (start + rows) * K), [rows, K]), wt, bt, true)!.dataSync();
        expect(Array.from(part)).toEqual(Array.from(all.subarray(start * N, (start + rows) * N)));
      }
    }));
  });

  it('elu: e^x − 1 below 0 within 2 float32 ulps of expm1 (from −100 up, and for tiny |x|), x above 0 exactly, in place too', () => {
    const values = Float32Array.from([0, -1e-8, 1e-8, -1e-30, -100, -87.5, 3.5, -0.3466, ...normals('elu', 4092).map((z) => 6 * z)]);
    const x = tf.tensor1d(values);
    const b = tf.backend() as unknown as WasmBackendInternals;
    const out = tf.zerosLike(x);
    simdKernels()!.elu(heapOffset(b, x), heapOffset(b, out), values.length);
    const got = out.dataSync();
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      const want = v > 0 ? v : Math.expm1(v);
      if (v > 0) expect(got[i]).toBe(v);
      else expect(Math.abs(got[i] - want), `x = ${v}`).toBeLessThanOrEqual(2 * 2 ** -23 * Math.max(Math.abs(want), 2 ** -126));
    }
    simdKernels()!.elu(heapOffset(b, x), heapOffset(b, x), values.length);
    expect(Array.from(x.dataSync())).toEqual(Array.from(got));
    tf.dispose([x, out]);
  });

  it('denseGradSimd declines what it cannot do (other activations, sizes not multiples of 4)', () => {
    const x = tf.tensor2d(normals('d', 6 * 4), [6, 4]);
    expect(denseGradSimd('tanh', x, x)).toBeNull();
    expect(denseGradSimd('relu', x, x)).toBeNull(); // 6 rows
    x.dispose();
  });

  it('the SIMD Adam update is bit-identical to the JavaScript kernel over several steps (sizes 4099 and 7: SIMD body and scalar tail)', async () => {
    const shapes = [[4099], [7]];
    const make = (tag: string) => shapes.map((s, i) => tf.variable(tf.tensor(normals(`w${i}`, s[0]), s), true, `simdAdam${tag}${i}`));
    const [a, b] = [make("js"), make("simd")];
    const js = fusedAdamOptimizer(0.9, 0.999, 1e-7, true, false);
    const simd = fusedAdamOptimizer(0.9, 0.999, 1e-7, true, true);
    const before = tf.memory().numTensors;
    for (let step = 0; step < 4; step++) {
      const grads = shapes.map((s, i) => tf.tensor(normals(`g${step}.${i}`, s[0]), s));
      js.applyGradients(a, grads, 1e-2);
      simd.applyGradients(b, grads, 1e-2);
      tf.dispose(grads);
    }
    expect(tf.memory().numTensors).toBe(before);
    a.forEach((v, i) => expect(Array.from(b[i].dataSync())).toEqual(Array.from(v.dataSync())));
    const [sj, ss] = await Promise.all([js.getState(), simd.getState()]);
    ss.slots.forEach((slot, i) => {
      expect(Array.from(slot.values.m)).toEqual(Array.from(sj.slots[i].values.m));
      expect(Array.from(slot.values.v)).toEqual(Array.from(sj.slots[i].values.v));
    });
    tf.dispose([...a, ...b]);
  });

  // Adam's float32 arithmetic in tf.train.adam's op order, each step rounded (see kernels/adam.ts).
  const f = Math.fround;
  const K = { b1: f(0.9), c1: f(0.1), b2: f(0.999), c2: f(0.001), d1: f(0.1), d2: f(0.001), eps: f(1e-7), negLr: f(-0.01) };
  function adamReference(w: number[], g: number[], m: number[], v: number[]) {
    const mm = g.map((gj, j) => f(f(m[j] * K.b1) + f(gj * K.c1)));
    const vv = g.map((gj, j) => f(f(v[j] * K.b2) + f(f(gj * gj) * K.c2)));
    const out = w.map((wj, j) => f(f(f(f(mm[j] / K.d1) / f(f(Math.sqrt(f(vv[j] / K.d2))) + K.eps)) * K.negLr) + wj));
    return { out, m: mm, v: vv };
  }

  it('adamUpdateSimd: overwrites memory only the variable holds, gives shared memory a fresh tensor, same values either way', () => {
    const [ws, gs, ms, vs] = ['w', 'g', 'm', 'v'].map((s) => Array.from(normals(s, 10)));
    const vAbs = vs.map(Math.abs); // v is a running mean of squares
    const expected = adamReference(ws, gs, ms, vAbs);
    // Made in a tidy: the tensors they are made from are gone, so each variable alone holds its memory.
    const own = tf.tidy(() => tf.variable(tf.tensor1d(ws), true, 'adam-own'));
    const shared = tf.tidy(() => tf.variable(tf.tensor1d(ws), true, 'adam-shared'));
    const view = tf.reshape(shared, [2, 5]); // shares the variable's memory on wasm
    const g = tf.tensor1d(gs);
    const ownId = own.dataId;
    const state = () => [Float32Array.from(ms), Float32Array.from(vAbs)];
    const [m1, v1] = state();
    const [m2, v2] = state();
    const before = tf.memory().numTensors;
    const result = adamUpdateSimd([own, shared], [g, g], [m1, m2], [v1, v2], K)!;
    expect(result[0]).toBeNull(); // in place
    expect(own.dataId).toBe(ownId);
    expect(Array.from(own.dataSync())).toEqual(expected.out);
    expect(result[1]).not.toBeNull(); // shared: a fresh tensor, the old memory untouched
    expect(Array.from(result[1]!.dataSync())).toEqual(expected.out);
    expect(Array.from(view.dataSync())).toEqual(Array.from(Float32Array.from(ws)));
    for (const [m, v] of [[m1, v1], [m2, v2]]) {
      expect(Array.from(m)).toEqual(expected.m);
      expect(Array.from(v)).toEqual(expected.v);
    }
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([own, shared, view, g, result[1]!]);
  });

  it('after an in-place update, matMul does not reuse its packing of the old weights (XNNPACK caches it per tensor id)', () => {
    const [k, n] = [6, 5];
    const xs = normals('x', 3 * k);
    const w = tf.tidy(() => tf.variable(tf.tensor2d(normals('w', k * n), [k, n]), true, 'adam-packed'));
    const x = tf.tensor2d(xs, [3, k]);
    const product = (weights: Float32Array) => Array.from({ length: 3 * n }, (_, e) => {
      let sum = 0;
      for (let j = 0; j < k; j++) sum += xs[Math.floor(e / n) * k + j] * weights[j * n + (e % n)];
      return sum;
    });
    const close = (got: Float32Array, want: number[]) => got.forEach((value, e) => expect(Math.abs(value - want[e])).toBeLessThan(1e-5 * (1 + Math.abs(want[e]))));
    const y0 = tf.matMul(x, w); // packs w
    close(y0.dataSync() as Float32Array, product(w.dataSync() as Float32Array));
    const g = tf.tensor2d(normals('g', k * n).map((v) => v * 30), [k, n]);
    const result = adamUpdateSimd([w], [g], [new Float32Array(k * n)], [new Float32Array(k * n)], { ...K, negLr: f(-0.5) })!;
    expect(result[0]).toBeNull();
    const y1 = tf.matMul(x, w);
    close(y1.dataSync() as Float32Array, product(w.dataSync() as Float32Array));
    expect(Array.from(y1.dataSync())).not.toEqual(Array.from(y0.dataSync()));
    tf.dispose([w, x, g, y0, y1]);
  });
});

describe('SIMD ops elsewhere', () => {
  useBackend('cpu');
  it('fall back to the plain path on cpu', () => {
    expect(simdKernels()).toBeNull();
    const x = tf.tensor2d(normals('c', 8 * 4), [8, 4]);
    expect(denseGradSimd('relu', x, x)).toBeNull();
    const t = transpose2d(x);
    expect(Array.from(t.dataSync())).toEqual(Array.from(tf.transpose(x).dataSync()));
    tf.dispose([x, t]);
  });
});
