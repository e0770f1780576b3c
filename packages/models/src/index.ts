/**
 * @makemore/models: the makemore model zoo on TensorFlow.js, browser-safe core.
 */
export type * from './types';
export { sequenceModelFactories } from './sequence-models';
export * from './layers';
export { constantInit, initRng, normalInit, sizeOf, uniformInit } from './init';
export {
  type CheckStateDictOptions,
  checkStateDict,
  isIgnorableBuffer,
  type Shaped,
  StateDictError,
} from './state-dict';
