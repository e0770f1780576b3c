/**
 * @makemore/run: one run, everywhere. A run spec (plain, versioned JSON) names everything a training run
 * depends on; `resolveRunSpec` fills its defaults and checks it; `prepareRun` turns it and a dataset into
 * the tokenizer, splits, batches, model, optimizer and schedule; named recipes are specs with a source and
 * a published result. The CLI, the demo and the examples only adapt it. Browser-safe.
 */
export {
  RUN_SPEC_VERSION,
  type BackendSpec,
  type DataSpec,
  type DatasetKind,
  type DecayRule,
  type DeepPartial,
  type EvalSpec,
  type ModelSpec,
  type OptimizerSpec,
  type RunSpec,
  type RunSpecInput,
  type SampleSpec,
  type ScheduleSpec,
  type SplitSpec,
  type TokenizerSpec,
  type TrainingSpec,
} from './spec';
export { BUILTIN_KINDS, FAMILY_DEFAULTS, MODEL_FIELDS, TEXT_BLOCK_SIZE } from './defaults';
export { canonicalSpec, impliedKind, mergeSpec, RunSpecError, resolveRunSpec, settle } from './resolve';
export {
  BOUNDARY_TOKEN,
  buildOptimizer,
  buildSchedule,
  buildTokenizer,
  buildTrainingData,
  decayPredicate,
  FINAL_EVAL_BATCHES,
  isWindowModel,
  modelConfigOf,
  type PreparedRun,
  type PreparedSource,
  type PrepareOptions,
  prepareRun,
  prepareSource,
  type RunSplits,
  type RunTokenizer,
  type SampleTextOptions,
  sampleTexts,
  specOfSnapshot,
  splitDataset,
} from './prepare';
export {
  compareWithReference,
  DEFAULT_RECIPE,
  getRecipe,
  type Recipe,
  type RecipeReference,
  RECIPES,
  recipeSpec,
} from './recipes';
export { specFromNanoGpt } from './nanogpt';
export { planResume, type ResumePlan } from './resume';
export { expandSweep, parseSweepAxis, setField, type SweepAxis, type SweepPoint } from './sweep';
