/**
 * Training checkpoints: one JSON document holding everything `fit` needs to continue a run as if it
 * had not stopped — the model (the saved-model format of `io/format.ts`), Adam's moments and step
 * count, the data position (epoch, batch, generator state before that epoch's shuffle), the loop's
 * state (best-so-far, early-stopping counter, history) and the run's plan, which a resumed call must
 * match. Browser-safe: where the documents go is the caller's `CheckpointSink` (files:
 * `checkpointDir` in 'tfjs-flows/node').
 *
 * ```json
 * { "format": "tfjs-flows-checkpoint", "formatVersion": 1, "libraryVersion": "0.1.0", "step": 120,
 *   "plan": { … }, "model": { <a tfjs-flows model document> },
 *   "optimizer": { "name": "adam", "scalars": { … }, "slots": [ { "weight": "bijector/0/shift", "values": { "m": <WeightRecord>, "v": … } } ] },
 *   "position": { "kind": "memory", "epoch": 3, "position": 7, "rng": { … } },
 *   "loop": { "step": 120, …, "history": { … }, "best": null | [<WeightRecord>…] } }
 * ```
 * Numbers that may be non-finite (losses, the best loss before any validation) are written as the
 * strings "NaN", "Infinity", "-Infinity"; every other value is a JSON number (float64, exact).
 */
import { FileFormatError, ValidationError, describe } from '../errors.js';
import type { Flow } from '../flow.js';
import { type FlowDocument, flowDocumentAsync, parseFlowDocument } from '../io/format.js';
import { restoreWeights, type WeightSnapshot } from '../io/snapshot.js';
import { decodeWeight, encodeWeight, type WeightRecord } from '../io/weight-codec.js';
import { VERSION } from '../version.js';
import type { MemoryPosition, StreamPosition } from './fit-data.js';
import type { LoopState } from './loop.js';
import type { Optimizer, OptimizerState } from './optimizer.js';

export const CHECKPOINT_FORMAT = 'tfjs-flows-checkpoint';
export const CHECKPOINT_FORMAT_VERSION = 1;

/** What a resumed run must share with the checkpointed one (compared as JSON). */
export interface CheckpointPlan {
  totalSteps: number | null;
  batchSize: number;
  /** `memory`: row count and a hash of the training rows (after the validation split); `stream`: nothing checkable. */
  data: { kind: 'memory'; rows: number; hash: string } | { kind: 'stream' };
  validationRows: number;
  validateEvery: number | null;
  patience: number | null;
  restoreBest: boolean;
  clipNorm: number | null;
  /** Decoupled weight decay, present only when non-zero. */
  weightDecay?: number;
  /** Dequantised columns, present only when some are. */
  dequantize?: number[];
}

type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';

/** A checkpoint as a JSON value (see the module comment). */
export interface CheckpointDocument {
  format: typeof CHECKPOINT_FORMAT;
  formatVersion: number;
  libraryVersion: string;
  /** Steps completed when it was written. */
  step: number;
  plan: CheckpointPlan;
  model: FlowDocument;
  optimizer: { name: string; scalars: Record<string, number>; slots: { weight: string; values: Record<string, WeightRecord> }[] };
  position: ({ kind: 'memory' } & MemoryPosition) | ({ kind: 'stream' } & StreamPosition);
  loop: {
    step: number;
    epochs: number;
    epochLossSum: JsonNumber;
    epochSteps: number;
    bestLoss: JsonNumber;
    bestStep?: number;
    sinceBest: number;
    lastValidated: number;
    lastValidationLoss?: JsonNumber;
    wallTime: number;
    history: { steps: number[]; loss: JsonNumber[]; learningRate: JsonNumber[]; gradNorm: JsonNumber[]; validation?: { steps: number[]; loss: JsonNumber[] } };
    best: WeightRecord[] | null;
  };
}

/**
 * Where `fit` sends checkpoints: `write` is called (and awaited) after every `every` steps, and when
 * the run is aborted, with a new document each time. `checkpointDir(dir, { every })` from
 * 'tfjs-flows/node' writes them to files; in a browser, store `JSON.stringify(doc)` wherever suits.
 */
export interface CheckpointSink {
  every: number;
  write(checkpoint: CheckpointDocument): void | Promise<void>;
}

/** FNV-1a (32 bit) of the rows' bytes: tells a resumed run that it was given other data (or another split). */
export function rowsHash(...arrays: (Float32Array | null)[]): string {
  let h = 0x811c9dc5;
  for (const a of arrays) {
    if (!a) continue;
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

const toJson = (x: number): JsonNumber => (Number.isFinite(x) ? x : (String(x) as JsonNumber));
const fromJson = (x: JsonNumber): number => (typeof x === 'number' ? x : Number(x));

function encodeSnapshot(s: WeightSnapshot): WeightRecord[] {
  return Object.entries(s).map(([name, values]) => encodeWeight({ name, shape: [values.length], dtype: 'float32', values }));
}

/** The checkpoint of a run at its current state. */
export async function makeCheckpoint(
  fn: string,
  flow: Flow,
  optimizer: Optimizer,
  plan: CheckpointPlan,
  position: CheckpointDocument['position'],
  loop: LoopState,
): Promise<CheckpointDocument> {
  const weightName = new Map(flow.weights.map((w) => [w.variable.name, w.name]));
  const opt = await optimizer.getState();
  const h = loop.history;
  const doc: CheckpointDocument = {
    format: CHECKPOINT_FORMAT,
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    libraryVersion: VERSION,
    step: loop.step,
    plan: structuredClone(plan),
    model: await flowDocumentAsync(fn, flow),
    optimizer: {
      name: opt.name,
      scalars: { ...opt.scalars },
      slots: opt.slots.map((slot) => {
        const weight = weightName.get(slot.variable);
        if (weight === undefined) throw new Error(`${fn}: internal: the optimiser updates variable '${slot.variable}', which is not a weight of the flow`);
        const values = Object.fromEntries(Object.entries(slot.values).map(([k, v]) => [k, encodeWeight({ name: `${weight}/${k}`, shape: [v.length], dtype: 'float32', values: v })]));
        return { weight, values };
      }),
    },
    position: structuredClone(position),
    loop: {
      step: loop.step,
      epochs: loop.epochs,
      epochLossSum: toJson(loop.epochLossSum),
      epochSteps: loop.epochSteps,
      bestLoss: toJson(loop.bestLoss),
      sinceBest: loop.sinceBest,
      lastValidated: loop.lastValidated,
      wallTime: loop.wallTime,
      history: {
        steps: [...h.steps],
        loss: h.loss.map(toJson),
        learningRate: h.learningRate.map(toJson),
        gradNorm: h.gradNorm.map(toJson),
      },
      best: loop.best ? encodeSnapshot(loop.best) : null,
    },
  };
  if (loop.bestStep !== undefined) doc.loop.bestStep = loop.bestStep;
  if (loop.lastValidationLoss !== undefined) doc.loop.lastValidationLoss = toJson(loop.lastValidationLoss);
  if (h.validation) doc.loop.history.validation = { steps: [...h.validation.steps], loss: h.validation.loss.map(toJson) };
  return doc;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Check a checkpoint document (text or parsed value) and return it. Anything malformed — not JSON,
 * truncated, another format, a newer version, a missing or mistyped field, a corrupt weight — throws a
 * `FileFormatError` naming `source`.
 */
export function parseCheckpoint(json: string | CheckpointDocument, source = 'checkpoint'): CheckpointDocument {
  const fail = (problem: string): never => {
    throw new FileFormatError(source, problem);
  };
  let value: unknown = json;
  if (typeof json === 'string') {
    if (json.trim().length === 0) fail('is empty (no JSON document)');
    try {
      value = JSON.parse(json);
    } catch (e) {
      fail(`is not valid JSON (corrupt or truncated): ${(e as Error).message}`);
    }
  }
  if (!isObject(value)) return fail(`is not a tfjs-flows checkpoint: expected a JSON object, got ${describe(value)}`);
  if (value.format !== CHECKPOINT_FORMAT) fail(`is not a tfjs-flows checkpoint: its format is ${describe(value.format)}, not "${CHECKPOINT_FORMAT}"`);
  const version = value.formatVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) fail(`has an invalid formatVersion ${describe(version)}`);
  if ((version as number) > CHECKPOINT_FORMAT_VERSION) {
    fail(`was written in checkpoint format version ${version}; this tfjs-flows (${VERSION}) reads versions up to ${CHECKPOINT_FORMAT_VERSION}: upgrade tfjs-flows`);
  }
  const int = (v: unknown, what: string) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : fail(`has an invalid ${what} ${describe(v)} (expected an integer ≥ 0)`));
  const num = (v: unknown, what: string) => (typeof v === 'number' || v === 'NaN' || v === 'Infinity' || v === '-Infinity' ? v : fail(`has an invalid ${what} ${describe(v)} (expected a number)`));
  const nums = (v: unknown, what: string, check: (x: unknown, w: string) => unknown) => {
    if (!Array.isArray(v)) fail(`has an invalid ${what} (expected an array, got ${describe(v)})`);
    (v as unknown[]).forEach((x, i) => check(x, `${what}[${i}]`));
  };
  const record = (r: unknown, what: string) => {
    const decoded = isObject(r) ? decodeWeight(r as unknown as WeightRecord) : { error: `expected a weight record, got ${describe(r)}` };
    if ('error' in decoded) fail(`has a corrupt ${what}: ${decoded.error}`);
  };
  int(value.step, '"step"');
  if (!isObject(value.plan) || !isObject(value.plan.data)) fail(`has an invalid "plan" (got ${describe(value.plan)})`);
  if (!isObject(value.model)) fail(`has no valid "model" (got ${describe(value.model)})`);
  parseFlowDocument(value.model as unknown as FlowDocument, `${source} (model)`);

  const opt = value.optimizer;
  if (!isObject(opt) || typeof opt.name !== 'string' || !isObject(opt.scalars) || !Array.isArray(opt.slots)) fail(`has an invalid "optimizer" (got ${describe(opt)})`);
  for (const [k, v] of Object.entries((opt as Record<string, unknown>).scalars as object)) if (typeof v !== 'number') fail(`has an invalid optimizer.scalars.${k} ${describe(v)}`);
  ((opt as Record<string, unknown>).slots as unknown[]).forEach((slot, i) => {
    if (!isObject(slot) || typeof slot.weight !== 'string' || !isObject(slot.values)) fail(`has an invalid optimizer.slots[${i}] (got ${describe(slot)})`);
    for (const [k, r] of Object.entries((slot as Record<string, unknown>).values as object)) record(r, `optimizer.slots[${i}].values.${k}`);
  });

  const pos = value.position;
  if (!isObject(pos) || (pos.kind !== 'memory' && pos.kind !== 'stream')) fail(`has an invalid "position" (got ${describe(pos)})`);
  const p = pos as Record<string, unknown>;
  int(p.epoch, 'position.epoch');
  if (p.kind === 'memory') {
    int(p.position, 'position.position');
    const rng = p.rng;
    const words = isObject(rng) && isObject(rng.alea) ? rng.alea : null;
    if (!words || !['c', 's0', 's1', 's2'].every((k) => typeof words[k] === 'number') || !(rng as Record<string, unknown>).hasOwnProperty('spare')) {
      fail(`has an invalid position.rng (got ${describe(rng)})`);
    }
  } else {
    int(p.index, 'position.index');
  }

  const loop = value.loop;
  if (!isObject(loop) || !isObject(loop.history)) return fail(`has an invalid "loop" (got ${describe(loop)})`);
  for (const k of ['step', 'epochs', 'epochSteps', 'sinceBest', 'lastValidated']) int(loop[k], `loop.${k}`);
  if (loop.step !== value.step) fail(`is inconsistent: loop.step ${describe(loop.step)} differs from step ${describe(value.step)}`);
  for (const k of ['epochLossSum', 'bestLoss']) num(loop[k], `loop.${k}`);
  if (loop.bestStep !== undefined) int(loop.bestStep, 'loop.bestStep');
  if (loop.lastValidationLoss !== undefined) num(loop.lastValidationLoss, 'loop.lastValidationLoss');
  if (typeof loop.wallTime !== 'number') fail(`has an invalid loop.wallTime ${describe(loop.wallTime)}`);
  const h = loop.history;
  nums(h.steps, 'loop.history.steps', int);
  for (const k of ['loss', 'learningRate', 'gradNorm']) nums(h[k], `loop.history.${k}`, num);
  const lengths = ['steps', 'loss', 'learningRate', 'gradNorm'].map((k) => (h[k] as unknown[]).length);
  if (lengths.some((n) => n !== lengths[0])) fail(`is inconsistent: the history arrays have lengths ${lengths.join(', ')}`);
  if (h.validation !== undefined) {
    if (!isObject(h.validation)) fail(`has an invalid loop.history.validation (got ${describe(h.validation)})`);
    const v = h.validation as Record<string, unknown>;
    nums(v.steps, 'loop.history.validation.steps', int);
    nums(v.loss, 'loop.history.validation.loss', num);
  }
  if (loop.best !== null) {
    if (!Array.isArray(loop.best)) fail(`has an invalid loop.best (expected null or an array, got ${describe(loop.best)})`);
    (loop.best as unknown[]).forEach((r, i) => record(r, `loop.best[${i}]`));
  }
  return value as unknown as CheckpointDocument;
}

/** The two strings around their first difference (for messages about long JSON). */
function around(a: string, b: string, width = 60): [string, string] {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  const from = Math.max(0, i - width);
  return [a.slice(from, i + width), b.slice(from, i + width)];
}

/** Compare the plans field by field; the first difference, or `null`. */
function planDifference(saved: CheckpointPlan, now: CheckpointPlan): string | null {
  for (const key of Object.keys(now) as (keyof CheckpointPlan)[]) {
    const [a, b] = [JSON.stringify(saved[key]), JSON.stringify(now[key])];
    if (a !== b) return `${key}: the checkpoint has ${a}, this call ${b}`;
  }
  return null;
}

/**
 * Put a checked checkpoint into a run: the flow's weights and standardisation, the optimiser's state;
 * returns the loop state and the data position. A checkpoint from another run (other architecture,
 * data or options) throws a `ValidationError` naming `arg`, before anything is changed.
 */
export function applyCheckpoint(
  fn: string,
  arg: string,
  doc: CheckpointDocument,
  flow: Flow,
  optimizer: Optimizer,
  plan: CheckpointPlan,
): { loop: LoopState; position: CheckpointDocument['position'] } {
  const mismatch = (expected: string, got: string): never => {
    throw new ValidationError(fn, arg, expected, got);
  };
  const difference = planDifference(doc.plan, plan);
  if (difference) mismatch('a checkpoint of a run with the same data, split and options', difference);
  if (doc.position.kind !== plan.data.kind) mismatch(`a checkpoint of a run on ${plan.data.kind} data`, `one on ${doc.position.kind} data`);
  const arch = flow.serialize();
  const savedArch = doc.model.architecture;
  for (const part of ['base', 'bijector'] as const) {
    const [a, b] = [JSON.stringify(arch[part]), JSON.stringify(savedArch[part])];
    if (a !== b) {
      const [mine, theirs] = around(a, b);
      mismatch(`a checkpoint of a flow with this flow's ${part} architecture (…${mine}…)`, `…${theirs}… in the checkpoint`);
    }
  }
  const weights = flow.weights;
  const saved = new Map(doc.model.weights.map((r) => [r.name, r]));
  const expected = weights.map((w) => `${w.name} [${w.variable.shape.join(', ')}]`).join(', ');
  const got = doc.model.weights.map((r) => `${r.name} [${r.shape.join(', ')}]`).join(', ');
  if (expected !== got) mismatch(`a checkpoint of a flow with this flow's weights (${expected})`, `weights ${got}`);
  const decode = (r: WeightRecord): Float32Array => {
    const d = decodeWeight(r);
    if ('error' in d) throw new FileFormatError(arg, `weight '${r.name}' is corrupt: ${d.error}`);
    if (!(d.values instanceof Float32Array)) throw new FileFormatError(arg, `weight '${r.name}' is not float32`);
    return d.values;
  };
  const sizes = new Map(weights.map((w) => [w.name, w.variable.size]));
  const current: WeightSnapshot = Object.fromEntries([...saved.values()].map((r) => [r.name, decode(r)]));
  let best: WeightSnapshot | null = null;
  if (doc.loop.best) {
    best = Object.fromEntries(doc.loop.best.map((r) => [r.name, decode(r)]));
    const names = Object.keys(best);
    if (names.length !== weights.length || names.some((n) => best![n].length !== sizes.get(n))) {
      mismatch("a checkpoint whose best weights are this flow's weights", names.join(', '));
    }
  }
  const byWeight = new Map(weights.map((w) => [w.name, w.variable.name]));
  const optState: OptimizerState = {
    name: doc.optimizer.name,
    scalars: { ...doc.optimizer.scalars },
    slots: doc.optimizer.slots.map((slot) => {
      const variable = byWeight.get(slot.weight) ?? mismatch('a checkpoint whose optimiser state names weights of this flow', `'${slot.weight}'`);
      const slotValues = Object.fromEntries(Object.entries(slot.values).map(([k, r]) => [k, decode(r)]));
      for (const [k, v] of Object.entries(slotValues)) {
        if (v.length !== sizes.get(slot.weight)) mismatch(`optimiser state '${k}' of ${sizes.get(slot.weight)} values for weight '${slot.weight}'`, `${v.length}`);
      }
      return { variable, values: slotValues };
    }),
  };
  if (optState.name !== optimizer.name) mismatch(`a checkpoint of a run with the ${optimizer.name} optimiser`, optState.name);
  restoreWeights(flow, current);
  flow.standardize(doc.model.architecture.standardization ?? null);
  optimizer.setState(optState);

  const l = doc.loop;
  const history: LoopState['history'] = {
    steps: [...l.history.steps],
    loss: l.history.loss.map(fromJson),
    learningRate: l.history.learningRate.map(fromJson),
    gradNorm: l.history.gradNorm.map(fromJson),
  };
  if (l.history.validation) history.validation = { steps: [...l.history.validation.steps], loss: l.history.validation.loss.map(fromJson) };
  const loop: LoopState = {
    step: l.step,
    epochs: l.epochs,
    epochLossSum: fromJson(l.epochLossSum),
    epochSteps: l.epochSteps,
    bestLoss: fromJson(l.bestLoss),
    sinceBest: l.sinceBest,
    best,
    lastValidated: l.lastValidated,
    wallTime: l.wallTime,
    history,
  };
  if (l.bestStep !== undefined) loop.bestStep = l.bestStep;
  if (l.lastValidationLoss !== undefined) loop.lastValidationLoss = fromJson(l.lastValidationLoss);
  return { loop, position: structuredClone(doc.position) };
}
