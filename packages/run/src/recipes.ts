/**
 * Named recipes: the runs users come for (the lectures' models, makemore.py's transformer, nanoGPT's
 * baby GPT…), each a JSON file in `recipes/` with its source and the result its authors published. The
 * CLI's `--preset`, the demo's preset picker and the examples all read this one list.
 */
import bigram from './recipes/bigram.json';
import lectureBatchnorm from './recipes/lecture-batchnorm.json';
import lectureMlp from './recipes/lecture-mlp.json';
import makemoreTransformer from './recipes/makemore-transformer.json';
import nanogptBaby from './recipes/nanogpt-baby.json';
import nanogptShakespeareChar from './recipes/nanogpt-shakespeare-char.json';
import sotuGpt from './recipes/sotu-gpt.json';
import wavenet from './recipes/wavenet.json';
import { mergeSpec, resolveRunSpec } from './resolve';
import type { RunSpec, RunSpecInput } from './spec';

/** A published result to compare a run with. */
export interface RecipeReference {
  /** The split the figure is on (`val`, `dev`, `test`, `train`). */
  split: string;
  /** The loss (mean cross-entropy in nats per token). */
  loss: number;
  /** Who reported it, e.g. `nanoGPT`. */
  by: string;
  note?: string;
}

/** A named run. */
export interface Recipe {
  name: string;
  title: string;
  description: string;
  /** Where the recipe comes from. */
  source: string;
  reference: RecipeReference;
  /** The partial spec; {@link recipeSpec} resolves it. */
  spec: RunSpecInput;
}

/** Every recipe, in the order of the makemore ladder. */
export const RECIPES: readonly Recipe[] = [
  bigram,
  lectureMlp,
  lectureBatchnorm,
  wavenet,
  makemoreTransformer,
  nanogptBaby,
  nanogptShakespeareChar,
  sotuGpt,
] as Recipe[];

/** The recipe `makemore train` runs with no flags. */
export const DEFAULT_RECIPE = 'lecture-mlp';

/** The recipe called `name`, or a RangeError listing the names. */
export function getRecipe(name: string): Recipe {
  const recipe = RECIPES.find((r) => r.name === name);
  if (!recipe) {
    throw new RangeError(
      `unknown recipe '${name}'; the recipes are ${RECIPES.map((r) => r.name).join(', ')}`,
    );
  }
  return recipe;
}

/** A recipe's spec with `overrides` merged on top, resolved. */
export function recipeSpec(name: string, overrides: RunSpecInput = {}): RunSpec {
  const recipe = getRecipe(name);
  return resolveRunSpec(mergeSpec({ ...recipe.spec, recipe: name } as RunSpecInput, overrides));
}

/**
 * "val 1.89 (nanoGPT reports 1.88)": a result next to the recipe's reference, or undefined when the run
 * did not measure the reference's split.
 */
export function compareWithReference(recipe: Recipe, losses: Record<string, number>): string | undefined {
  const { split, loss, by } = recipe.reference;
  const value = losses[split] ?? (split === 'val' ? losses.dev : split === 'dev' ? losses.val : undefined);
  if (value === undefined) return undefined;
  const digits = String(loss).split('.')[1]?.length ?? 2;
  return `${split} ${value.toFixed(Math.max(2, digits))} (${by} reports ${loss})`;
}
