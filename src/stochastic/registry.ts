/** className → builder for stochastic blocks (save/load); adding a block: one line in `builtins`. */
import { FileFormatError, ValidationError, describe } from '../errors.js';
import type { JsonObject, Serialized } from '../module.js';
import type { StochasticBlock } from './block.js';
import { HMCBlock } from './hmc-block.js';
import { LangevinBlock } from './langevin.js';
import { MetropolisBlock } from './metropolis.js';

export type BlockBuilder = (config: JsonObject) => StochasticBlock;

const registry = new Map<string, BlockBuilder>([
  ['MetropolisBlock', (c) => MetropolisBlock.fromConfig(c)],
  ['LangevinBlock', (c) => LangevinBlock.fromConfig(c)],
  ['HMCBlock', (c) => HMCBlock.fromConfig(c)],
]);

/** Make a custom stochastic block loadable (a name may be registered once). */
export function registerStochasticBlock(className: string, builder: BlockBuilder): void {
  if (typeof className !== 'string' || className.length === 0) throw new ValidationError('registerStochasticBlock', 'className', 'a non-empty string', describe(className));
  if (registry.has(className)) throw new ValidationError('registerStochasticBlock', 'className', 'a name not registered yet', JSON.stringify(className));
  registry.set(className, builder);
}

/** Rebuild a block from `{ className, config }`. */
export function blockFromConfig(serialized: Serialized, source = 'config'): StochasticBlock {
  const builder = registry.get(serialized?.className);
  if (!builder) throw new FileFormatError(source, `unknown stochastic block class ${JSON.stringify(serialized?.className)} (known: ${[...registry.keys()].join(', ')}; custom classes need registerStochasticBlock)`);
  return builder(serialized.config ?? {});
}
