/**
 * The library's error classes. Every error a user can trigger is one of these, so
 * `catch (e) { if (e instanceof FlowError) … }` catches all of them.
 *
 * ```
 * FlowError
 * ├── ValidationError      bad argument: names the function, the argument, what was expected and what arrived
 * ├── BackendError         backend could not be selected or loaded
 * │   └── NotReadyError    a computing entry point was called before `await ready()`
 * ├── NotInvertibleError   a direction the bijector does not implement
 * ├── TrainingError        training stopped on a non-finite loss (names the step)
 * ├── FileFormatError      a missing, truncated, corrupt or newer-format file, or one that cannot be written (names the file)
 * ├── OutOfMemoryError     an evaluation needed more (WebAssembly) memory than there is; says what to reduce
 * └── RenderError          a figure could not be rendered in the headless browser
 *     └── BrowserNotFoundError   no Chromium/Chrome to render with (says how to install one)
 * ```
 */
export class FlowError extends Error {
  // A literal, not `new.target.name`: minifiers rename classes, and `e.name` must survive bundling.
  override name: string = 'FlowError';
  constructor(message: string) {
    super(message);
  }
}

/** A bad argument. The message reads `fn: argument 'arg' must be <expected>; got <got>`. */
export class ValidationError extends FlowError {
  override name: string = 'ValidationError';
  readonly fn: string;
  readonly argument: string;
  readonly expected: string;
  readonly got: string;
  constructor(fn: string, argument: string, expected: string, got: string) {
    super(`${fn}: argument '${argument}' must be ${expected}; got ${got}`);
    this.fn = fn;
    this.argument = argument;
    this.expected = expected;
    this.got = got;
  }
}

/** The requested backend could not be selected or initialised. */
export class BackendError extends FlowError {
  override name: string = 'BackendError';
}

/** A computing entry point was used before `await ready()` selected a backend. */
export class NotReadyError extends BackendError {
  override name: string = 'NotReadyError';
  constructor(fn: string) {
    super(`${fn}: no backend selected yet; call \`await ready()\` (from 'tfjs-flows') once before computing`);
  }
}

/** The bijector has no implementation for the requested direction (e.g. a forward-only planar flow). */
export class NotInvertibleError extends FlowError {
  override name: string = 'NotInvertibleError';
}

/** Training could not continue (for example a non-finite loss); `step` is the step at which it stopped. */
export class TrainingError extends FlowError {
  override name: string = 'TrainingError';
  readonly step: number;
  constructor(message: string, step: number) {
    super(message);
    this.step = step;
  }
}

/** A model or data file that is missing, truncated, corrupt or of a newer format, or cannot be written. */
export class FileFormatError extends FlowError {
  override name: string = 'FileFormatError';
  readonly path: string;
  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.path = path;
  }
}

/**
 * An evaluation (`logProb`, `sample`, …) needed more memory than the backend has (WebAssembly memory
 * stops at 4 GiB). The message names the call, the rows and the chunk size, and what to reduce: the
 * rows per call, the memory budget (`setMemoryBudget`) or the width of the layers. `recoverable` is
 * false when the runtime aborted (the wasm instance may then be unusable: restart the process).
 */
export class OutOfMemoryError extends FlowError {
  override name: string = 'OutOfMemoryError';
  readonly fn: string;
  readonly recoverable: boolean;
  constructor(fn: string, problem: string, advice: string, recoverable: boolean) {
    super(`${fn}: ${problem}; ${advice}${recoverable ? '' : '. The WebAssembly runtime aborted and may be unusable now: restart the process'}`);
    this.fn = fn;
    this.recoverable = recoverable;
  }
}

/** A figure could not be rendered to PNG or SVG (the page or plotly reported an error). */
export class RenderError extends FlowError {
  override name: string = 'RenderError';
}

/** No Chromium or Chrome executable was found or it would not start; the message says how to install one. */
export class BrowserNotFoundError extends RenderError {
  override name: string = 'BrowserNotFoundError';
}

/** Short description of any value for error messages ("got …"). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as Float32Array).length}`;
  const shape = (value as { shape?: unknown }).shape;
  const rank = (value as { rank?: unknown }).rank;
  if (Array.isArray(shape) && typeof rank === 'number') return `a tensor of shape [${shape.join(', ')}]`;
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}
