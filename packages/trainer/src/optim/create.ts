/** Builds an optimizer from its JSON config, as saved in a checkpoint or written by the CLI. */
import type { Variable } from '@tensorflow/tfjs-core';
import { Adam, AdamW, type AdamWOptions } from './adam';
import type { DecayPredicate, Optimizer, OptimizerConfig } from './optimizer';
import { SGD, type SGDOptions } from './sgd';

/**
 * An optimizer for `params` from `{ type: 'sgd' | 'adam' | 'adamw', lr, ... }`. A saved AdamW config's
 * `decayed` list is honoured, so a resumed run decays exactly the parameters it decayed before.
 */
export function createOptimizer(
  params: Map<string, Variable>,
  config: OptimizerConfig,
  options: { decay?: DecayPredicate } = {},
): Optimizer {
  const { type, ...rest } = config;
  switch (type) {
    case 'sgd':
      return new SGD(params, rest as SGDOptions);
    case 'adam':
      return new Adam(params, rest as AdamWOptions);
    case 'adamw': {
      const saved = Array.isArray(config.decayed) ? new Set(config.decayed as string[]) : undefined;
      const decay = options.decay ?? (saved ? (name: string) => saved.has(name) : undefined);
      return new AdamW(params, { ...(rest as AdamWOptions), ...(decay ? { decay } : {}) });
    }
    default:
      throw new Error(`unknown optimizer type '${String(type)}'; use 'sgd', 'adam' or 'adamw'`);
  }
}
