/**
 * Standard base64 (RFC 4648, `+/`, `=` padding) over bytes, written out rather than using
 * `Buffer` (Node only) or `atob`/`btoa` (binary strings, lax about bad characters), so that the model
 * format reads the same in Node, browsers and tslab, and a corrupted string is reported, not guessed at.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

/** Bytes → base64 text. */
export function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  // Build in chunks: one string per 3 bytes would be slow, one giant fromCharCode call overflows the stack.
  const CHUNK = 3 * 4096;
  for (let start = 0; start < bytes.length; start += CHUNK) {
    const end = Math.min(start + CHUNK, bytes.length);
    const codes: number[] = [];
    for (let i = start; i < end; i += 3) {
      const b0 = bytes[i];
      const b1 = i + 1 < end ? bytes[i + 1] : 0;
      const b2 = i + 2 < end ? bytes[i + 2] : 0;
      codes.push(ALPHABET.charCodeAt(b0 >> 2), ALPHABET.charCodeAt(((b0 & 3) << 4) | (b1 >> 4)));
      codes.push(i + 1 < end ? ALPHABET.charCodeAt(((b1 & 15) << 2) | (b2 >> 6)) : 61);
      codes.push(i + 2 < end ? ALPHABET.charCodeAt(b2 & 63) : 61);
    }
    parts.push(String.fromCharCode(...codes));
  }
  return parts.join('');
}

/** Base64 text → bytes, or a description of what is wrong with the text. */
export function base64ToBytes(text: string): Uint8Array | { error: string } {
  if (text.length % 4 !== 0) return { error: `its length ${text.length} is not a multiple of 4` };
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  const body = text.length - padding;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = i >= body ? 0 : c < 128 ? LOOKUP[c] : -1;
    if (v < 0) return { error: `character ${JSON.stringify(text[i])} at position ${i} is not base64` };
    acc = (acc << 6) | v;
    if ((i & 3) === 3) {
      out[o++] = acc >> 16;
      if (o < out.length) out[o++] = (acc >> 8) & 255;
      if (o < out.length) out[o++] = acc & 255;
      acc = 0;
    }
  }
  return out;
}
