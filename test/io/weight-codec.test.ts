import { describe, expect, it } from 'vitest';
import { Rng, decodeWeight, encodeWeight, type WeightArray } from '../../src/index.js';
import { base64ToBytes, bytesToBase64 } from '../../src/io/base64.js';

/** The raw bits of float32 values, so NaN payloads and −0 compare exactly. */
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('base64', () => {
  it('matches RFC 4648 test vectors', () => {
    // RFC 4648 §10: "", "f", "fo", "foo", "foob", "fooba", "foobar".
    const vectors: [string, string][] = [['', ''], ['f', 'Zg=='], ['fo', 'Zm8='], ['foo', 'Zm9v'], ['foob', 'Zm9vYg=='], ['fooba', 'Zm9vYmE='], ['foobar', 'Zm9vYmFy']];
    for (const [plain, encoded] of vectors) {
      const bytes = new TextEncoder().encode(plain);
      expect(bytesToBase64(bytes)).toBe(encoded);
      expect(Array.from(base64ToBytes(encoded) as Uint8Array)).toEqual(Array.from(bytes));
    }
  });

  it('round-trips every byte value and lengths across chunk boundaries, agreeing with Node Buffer', () => {
    const rng = new Rng('b64');
    for (const n of [1, 2, 3, 255, 256, 12287, 12288, 12289, 40000]) {
      const bytes = new Uint8Array(n).map((_, i) => (i < 256 ? i : rng.int(256)));
      const text = bytesToBase64(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64'));
      expect(base64ToBytes(text)).toEqual(bytes);
    }
  });

  it('reports bad text instead of guessing', () => {
    expect(base64ToBytes('AAA')).toEqual({ error: 'its length 3 is not a multiple of 4' });
    expect(base64ToBytes('AA*A')).toEqual({ error: 'character "*" at position 2 is not base64' });
    expect(base64ToBytes('A=AA')).toEqual({ error: 'character "=" at position 1 is not base64' });
    expect(base64ToBytes('AAé=')).toHaveProperty('error');
  });
});

describe('encodeWeight / decodeWeight', () => {
  it('writes little-endian bytes: float32 (1, −2, 0.5) is 0000803f 000000c0 0000003f', () => {
    const r = encodeWeight({ name: 'w', shape: [3], dtype: 'float32', values: new Float32Array([1, -2, 0.5]) });
    expect(r).toEqual({ name: 'w', shape: [3], dtype: 'float32', data: 'AACAPwAAAMAAAAA/' });
    expect(encodeWeight({ name: 'i', shape: [2], dtype: 'int32', values: new Int32Array([1, -1]) }).data).toBe('AQAAAP////8=');
    expect(encodeWeight({ name: 'b', shape: [3], dtype: 'bool', values: new Uint8Array([1, 0, 1]) }).data).toBe('AQAB');
  });

  it('round-trips float32 bit for bit, including NaN payloads, ±Infinity, −0 and subnormals', () => {
    const rng = new Rng('codec');
    const values = new Float32Array(1000);
    const raw = new Uint32Array(values.buffer);
    for (let i = 0; i < raw.length; i++) raw[i] = Math.floor(rng.uniform() * 2 ** 32);
    values.set([NaN, Infinity, -Infinity, -0, 1e-45, -1e-40, 3.4028234663852886e38], 0);
    raw[7] = 0x7fc00123; // a NaN with a payload
    const w: WeightArray = { name: 'x', shape: [10, 100], dtype: 'float32', values };
    const back = decodeWeight(encodeWeight(w)) as WeightArray;
    expect(back.shape).toEqual([10, 100]);
    expect(back.values).toBeInstanceOf(Float32Array);
    expect(bits(back.values as Float32Array)).toEqual(bits(values));
  });

  it('round-trips int32, bool and a scalar (shape [])', () => {
    const i = decodeWeight(encodeWeight({ name: 'i', shape: [2, 2], dtype: 'int32', values: new Int32Array([0, -1, 2 ** 31 - 1, -(2 ** 31)]) })) as WeightArray;
    expect(Array.from(i.values)).toEqual([0, -1, 2 ** 31 - 1, -(2 ** 31)]);
    expect(i.values).toBeInstanceOf(Int32Array);
    const b = decodeWeight(encodeWeight({ name: 'b', shape: [3], dtype: 'bool', values: new Uint8Array([1, 0, 1]) })) as WeightArray;
    expect(Array.from(b.values)).toEqual([1, 0, 1]);
    const s = decodeWeight(encodeWeight({ name: 's', shape: [], dtype: 'float32', values: new Float32Array([2.5]) })) as WeightArray;
    expect(Array.from(s.values)).toEqual([2.5]);
  });

  it('says when the data does not fit the shape', () => {
    expect(decodeWeight({ name: 'w', shape: [4], dtype: 'float32', data: 'AACAPwAAAMAAAAA/' })).toEqual({
      error: 'shape [4] needs 16 bytes of float32 data (4 values); the data has 12',
    });
    expect(decodeWeight({ name: 'w', shape: [3], dtype: 'float32', data: 'AACAPwAAAMAAAAA' })).toEqual({
      error: 'its data is not valid base64 (its length 15 is not a multiple of 4)',
    });
  });
});
