/**
 * `@makemore/run/spec`: the run spec without what builds a run. Types, defaults, `resolveRunSpec`, the
 * recipes and sweep grids, with no TensorFlow.js behind them, so a page can edit and check specs (the demo's
 * form and links) and leave `prepareRun` to its worker.
 */
export {
  RUN_SPEC_VERSION,
  SHARDS_TOKENIZER_FILE,
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
export {
  BUILTIN_KINDS,
  FAMILY_DEFAULTS,
  FINETUNE_DEFAULTS,
  FINETUNE_MIN_PARAMS,
  fineTuneDefaults,
  MODEL_FIELDS,
  TEXT_BLOCK_SIZE,
} from './defaults';
export {
  canonicalSpec,
  impliedKind,
  mergeSpec,
  RunSpecError,
  resolveRunSpec,
  settle,
  shardsTokenizer,
} from './resolve';
export {
  compareWithReference,
  DEFAULT_RECIPE,
  getRecipe,
  type Recipe,
  type RecipeReference,
  RECIPES,
  recipeSpec,
} from './recipes';
export { expandSweep, parseSweepAxis, setField, type SweepAxis, type SweepPoint } from './sweep';
