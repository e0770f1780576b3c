/**
 * Building blocks shared by every model: the Module tree, PyTorch-layout layers, the cross-entropy
 * loss and the LanguageModel base class.
 */
export { BaseLanguageModel, requirePositiveInt } from './base-model';
export { BatchNorm1d } from './batch-norm';
export {
  type CrossEntropyMethod,
  type CrossEntropyOptions,
  crossEntropy,
  flatTargetIds,
} from './cross-entropy';
export { Embedding } from './embedding';
export { LayerNorm } from './layer-norm';
export { Linear, type LinearOptions } from './linear';
export { Module, ModuleList } from './module';
