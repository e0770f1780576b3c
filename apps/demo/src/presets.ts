/**
 * What the Train page offers. The presets are @makemore/run's recipes, the very list the CLI's `--preset`
 * reads, with their titles, sources and published results; the demo keeps no table of its own. A recipe
 * is a partial run spec: the form edits it, and the worker resolves and prepares it as the CLI does.
 */
import { type BuiltinDatasetName, listDatasets } from '@makemore/datasets';
import type { ModelType } from '@makemore/models';
import { DEFAULT_RECIPE, type Recipe, RECIPES } from '@makemore/run/spec';

export { DEFAULT_RECIPE, RECIPES, type Recipe };

/**
 * True for recipes the demo trains. The `bigram` recipe is the lecture's count table, which is fitted
 * rather than trained (the Explore page shows it); its neural twin is the `bigram-nn` model type.
 */
export function isTrainable(recipe: Recipe): boolean {
  return recipe.spec.model?.type !== 'bigram';
}

/** "val 1.88 (nanoGPT)": a recipe's published result in a few words. */
export function referenceText(recipe: Recipe): string {
  const r = recipe.reference;
  return `${r.split} loss ${r.loss} (${r.by})`;
}

/**
 * The model types the Train page offers: every `ModelType` of @makemore/models but the `bigram` count table,
 * which is not a trainable network. Listed here, not filtered from its `MODEL_TYPES` at run time, because
 * importing @makemore/models on the page would pull TensorFlow.js into the main bundle (it lives in the
 * worker); the type checks below hold this list to `ModelType` instead.
 */
export const MODEL_TYPES = [
  'bigram-nn',
  'mlp',
  'rnn',
  'gru',
  'lstm',
  'bow',
  'wavenet',
  'transformer',
] as const satisfies readonly ModelType[];

/** Fails to compile when @makemore/models gains a trainable type this list lacks. */
type UnlistedModelType = Exclude<ModelType, 'bigram' | (typeof MODEL_TYPES)[number]>;
const everyTrainableTypeListed: [UnlistedModelType] extends [never] ? true : UnlistedModelType = true;
void everyTrainableTypeListed;

/** The built-in datasets, as @makemore/datasets lists them (names, verbs, shakespeare, sotu). */
export const BUILTIN_DATASETS: readonly BuiltinDatasetName[] = listDatasets().map(
  (info) => info.name as BuiltinDatasetName,
);
