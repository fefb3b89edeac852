/** Loading a saved flow over HTTP (browsers, Node ≥ 18, Deno): `fetch`, then {@link flowFromJSON}. */
import { assertReady } from '../backend.js';
import { FileFormatError, ValidationError, describe } from '../errors.js';
import type { Flow } from '../flow.js';
import { flowFromJSON } from './format.js';

/**
 * `fetch(url)` a model written by `saveFlow` (or `JSON.stringify(flowToJSON(flow))`) and rebuild the
 * flow. A network failure, an HTTP error status or a bad document throws `FileFormatError` naming the
 * URL. Needs `await ready()`.
 *
 * @param url absolute, or relative to the page.
 * @param init passed to `fetch` (headers, credentials…).
 * @example
 * ```ts
 * await ready();
 * const flow = await loadFlowFromUrl('models/moons/flow.json');
 * const x = flow.sample(500, { seed: 1 });
 * ```
 */
export async function loadFlowFromUrl(url: string | URL, init?: RequestInit): Promise<Flow> {
  const fn = 'loadFlowFromUrl';
  assertReady(fn);
  if (typeof url !== 'string' && !(url instanceof URL)) throw new ValidationError(fn, 'url', 'a string or URL', describe(url));
  const source = String(url);
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (e) {
    throw new FileFormatError(source, `could not be fetched (${(e as Error)?.message ?? String(e)})`);
  }
  if (!response.ok) throw new FileFormatError(source, `could not be fetched: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  let text: string;
  try {
    text = await response.text();
  } catch (e) {
    throw new FileFormatError(source, `download failed part-way (${(e as Error)?.message ?? String(e)})`);
  }
  return flowFromJSON(text, source);
}
