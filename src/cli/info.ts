/** `tfjs-flows info DIR`: what a saved model is (architecture, size, training metrics), without a backend. */
import type { Command } from 'commander';
import type { FlowDocument } from '../io/format.js';
import { readFlowFile } from '../io/flow-file.js';
import type { JsonObject, JsonValue, Serialized } from '../module.js';
import { modelFile } from './model-dir.js';

/** Short text of a config value: long arrays and nested modules abbreviated. */
function brief(value: JsonValue): string {
  if (Array.isArray(value)) return value.length > 8 ? `[${value.slice(0, 6).map(brief).join(',')},… (${value.length})]` : `[${value.map(brief).join(',')}]`;
  if (value !== null && typeof value === 'object') return typeof value.className === 'string' ? `${value.className}(…)` : '{…}';
  return typeof value === 'string' ? value : String(value);
}

/** `ClassName(key=value, …)`. */
export function describeModule(m: Serialized): string {
  const entries = Object.entries(m.config).filter(([k]) => k !== 'bijectors');
  return `${m.className}(${entries.map(([k, v]) => `${k}=${brief(v)}`).join(', ')})`;
}

/** The context dimension of a saved flow: the largest `contextDim` in any layer's config. */
function contextDimOf(m: Serialized): number {
  const own = typeof m.config.contextDim === 'number' ? m.config.contextDim : 0;
  const children = Array.isArray(m.config.bijectors) ? (m.config.bijectors as unknown as Serialized[]) : [];
  return Math.max(own, ...children.map(contextDimOf));
}

/** The lines `tfjs-flows info` prints. */
export function describeDocument(file: string, doc: FlowDocument): string[] {
  const { base, bijector, standardization } = doc.architecture;
  const layers = bijector.className === 'Chain' ? (bijector.config.bijectors as unknown as Serialized[]) : [bijector];
  const values = doc.weights.reduce((s, w) => s + w.shape.reduce((p, k) => p * k, 1), 0);
  const meta = (doc.metadata ?? {}) as JsonObject;
  const flow = (meta.flow ?? null) as JsonObject | null;
  const layout = (meta.layout ?? null) as JsonObject | null;
  const metrics = (meta.metrics ?? null) as JsonObject | null;
  const round = (v: number) => Number(v.toPrecision(5));
  const lines = [
    `model: ${file} (format ${doc.formatVersion}, written by tfjs-flows ${doc.libraryVersion})`,
    `flow: ${flow ? `${String(flow.kind)}, ` : ''}dimension ${String(base.config.dim)}, context dimension ${contextDimOf(bijector)}, ${layers.length} bijector(s), ${values} weight values in ${doc.weights.length} tensors`,
    `base: ${describeModule(base)}`,
    standardization
      ? `standardization: mean [${standardization.mean.map(round).join(', ')}], std [${standardization.std.map(round).join(', ')}]`
      : 'standardization: none',
    'bijectors (Chain order: the last is applied first when sampling, the first when evaluating the density):',
    ...layers.map((b, i) => `  ${String(i + 1).padStart(2)}. ${describeModule(b)}`),
  ];
  if (layout) lines.push(`columns: ${(layout.columns as string[]).join(', ')}${(layout.contextColumns as string[]).length ? `; context: ${(layout.contextColumns as string[]).join(', ')}` : ''}`);
  if (metrics) lines.push(`metrics: ${Object.entries(metrics).map(([k, v]) => `${k} ${typeof v === 'number' ? round(v) : String(v)}`).join(', ')}`);
  return lines;
}

export function registerInfo(program: Command): void {
  program
    .command('info')
    .summary('describe a saved flow')
    .description('Print what a saved flow is: its format and library version, dimensions, base distribution, standardisation, every layer with its settings, its size and the metrics stored by `fit`.')
    .argument('<model>', 'model directory written by `tfjs-flows fit` (or a flow .json file)')
    .option('--json', 'print the architecture and metadata as JSON (weights left out)')
    .action(async (model: string, flags: { json?: boolean }) => {
      const file = await modelFile(model);
      const doc = await readFlowFile(file);
      if (flags.json) {
        const { weights, ...rest } = doc;
        console.log(JSON.stringify({ ...rest, weights: weights.map(({ name, shape, dtype }) => ({ name, shape, dtype })) }, null, 2));
      } else {
        console.log(describeDocument(file, doc).join('\n'));
      }
    });
}
