/**
 * @makemore/run: one run, everywhere. A run spec (plain, versioned JSON) names everything a training run
 * depends on; `resolveRunSpec` fills its defaults and checks it; `prepareRun` turns it and a dataset into
 * the tokenizer, splits, batches, model, optimizer and schedule; named recipes are specs with a source and
 * a published result. The CLI, the demo and the examples only adapt it. Browser-safe.
 */
// The spec, its defaults and checks, recipes and sweeps: also `@makemore/run/spec`, without TensorFlow.js.
export * from './spec-entry';
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
  nanoGptTokenizer,
  type PreparedRun,
  type PreparedSource,
  type PrepareOptions,
  prepareRun,
  prepareRunFrom,
  prepareSource,
  type RunSplits,
  type RunTokenizer,
  type SampleTextOptions,
  sampleTexts,
  specOfSnapshot,
  splitDataset,
} from './prepare';
export { type InitSource, loadInitWeights, specForInit } from './init-from';
export { specFromNanoGpt } from './nanogpt';
export { planResume, type ResumePlan } from './resume';
export {
  AUTO_THREADS_MAX,
  AUTO_THREADS_MIN_MULTIPLY_ADDS,
  chooseThreads,
  estimatedMultiplyAdds,
  type ThreadsChoice,
} from './threads';
