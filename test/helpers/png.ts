/**
 * A minimal PNG decoder for tests (8-bit greyscale/RGB/RGBA, not interlaced: what Chromium writes),
 * written from the PNG specification with Node's zlib, so image checks need no dependency.
 */
import { inflateSync } from 'node:zlib';

export interface DecodedPng {
  width: number;
  height: number;
  /** Channels per pixel: 1 (grey), 3 (RGB) or 4 (RGBA). */
  channels: number;
  /** Row-major pixel bytes, `height × width × channels`. */
  pixels: Uint8Array;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

/** Width and height from the IHDR chunk, which must come first. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  if (!SIGNATURE.every((b, i) => png[i] === b)) throw new Error('not a PNG (bad signature)');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  if (String.fromCharCode(...png.subarray(12, 16)) !== 'IHDR') throw new Error('PNG without IHDR first');
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

export function decodePng(png: Uint8Array): DecodedPng {
  const { width, height } = pngSize(png);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const bitDepth = png[24];
  const colorType = png[25];
  const interlace = png[28];
  const channels = { 0: 1, 2: 3, 6: 4 }[colorType as 0 | 2 | 6];
  if (bitDepth !== 8 || channels === undefined || interlace !== 0) {
    throw new Error(`unsupported PNG: bit depth ${bitDepth}, colour type ${colorType}, interlace ${interlace}`);
  }
  const idat: Uint8Array[] = [];
  for (let p = 8; p < png.length; ) {
    const length = view.getUint32(p);
    const type = String.fromCharCode(...png.subarray(p + 4, p + 8));
    if (type === 'IDAT') idat.push(png.subarray(p + 8, p + 8 + length));
    if (type === 'IEND') break;
    p += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = pixels.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? out[i - channels] : 0;
      const b = prev[i];
      const c = i >= channels ? prev[i - channels] : 0;
      let pred: number;
      switch (filter) {
        case 0: pred = 0; break;
        case 1: pred = a; break;
        case 2: pred = b; break;
        case 3: pred = (a + b) >> 1; break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default: throw new Error(`bad PNG filter ${filter} on row ${y}`);
      }
      out[i] = (line[i] + pred) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

/** Number of distinct colours and the fraction of pixels that are not (near) white. */
export function pixelStats(img: DecodedPng): { colours: number; nonWhite: number } {
  const seen = new Set<number>();
  let nonWhite = 0;
  const n = img.width * img.height;
  for (let i = 0; i < n; i++) {
    const o = i * img.channels;
    const r = img.pixels[o];
    const g = img.channels >= 3 ? img.pixels[o + 1] : r;
    const b = img.channels >= 3 ? img.pixels[o + 2] : r;
    seen.add((r << 16) | (g << 8) | b);
    if (r < 240 || g < 240 || b < 240) nonWhite++;
  }
  return { colours: seen.size, nonWhite: nonWhite / n };
}
