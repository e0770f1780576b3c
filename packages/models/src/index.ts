/**
 * @makemore/models: the makemore model zoo on TensorFlow.js, from a bigram count table to a GPT, with
 * PyTorch-compatible (makemore.py / nanoGPT) parameter names and safetensors weights.
 * Browser-safe: no Node built-ins here (saving to disk lives in `@makemore/models/node`).
 */
export type * from './types';
export * from './sequence-models';
export * from './layers';
export { type GeluKind, gelu, Tanh } from './layers/activations';
export { maskedSoftmax } from './layers/masked-softmax';
export { multiHeadAttention } from './layers/attention';
export { constantInit, initRng, normalInit, sizeOf, uniformInit, withoutInitialDraws } from './init';
export { canFuse, FUSED_KERNEL_NAMES, runFused } from './layers/fused-kernels';
export { GRADIENTS_REGISTERED } from './layers/register-gradients';
export {
  type CheckStateDictOptions,
  checkStateDict,
  isIgnorableBuffer,
  type Shaped,
  StateDictError,
} from './state-dict';
export { BigramCounts, type BigramCountsConfig } from './bigram-counts';
export { BigramNN, type BigramNNConfig } from './bigram-nn';
export { MLP, type MLPConfig } from './mlp';
export { Transformer, type TransformerConfig } from './transformer';
export { createModel, isLanguageModel, MODEL_TYPES } from './create-model';
export {
  type GenerateBatchOptions,
  type GenerateOptions,
  generate,
  generateBatch,
  generateStream,
  generateStreamAsync,
  nextTokenLogits,
  type SamplableModel,
  samplingProbabilities,
  type TokenStream,
  type WindowMode,
} from './generate';
export { type CreateDecoderOptions, createDecoder } from './create-decoder';
export {
  type DecoderLogits,
  LastTokenDecoder,
  RecomputeDecoder,
  type TokenDecoder,
  WindowDecoder,
} from './token-decoder';
export { TransformerKVDecoder } from './transformer-cache';
export { RecurrentDecoder } from './recurrent-decoder';
export { BoWDecoder } from './bow-decoder';
export { createTextStream, type TextStream } from './text-stream';
export {
  bf16ToFloat,
  firstNonFinite,
  halfToFloat,
  NonFiniteTensorError,
  type ParsedSafetensors,
  type ParseSafetensorsOptions,
  parseSafetensors,
  SafetensorsError,
  type SafetensorsDtype,
  type SafetensorsInput,
  type SafetensorsTensor,
  serializeSafetensors,
  tensorsFromSafetensors,
} from './safetensors';
export {
  checkMemoryFits,
  type EstimateMemoryOptions,
  estimateMemory,
  formatBytes,
  type MemoryEstimate,
  MemoryLimitError,
  type MemoryLimits,
  TYPED_ARRAY_BYTES,
  WASM_HEAP_BYTES,
  WASM_USABLE_BYTES,
} from './memory-estimate';
export * from './torch';
