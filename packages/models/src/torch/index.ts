/**
 * PyTorch interop beyond safetensors: `torch.save` checkpoints (zip + restricted pickle) and nanoGPT's
 * `ckpt.pt` and dataset folders. Browser-safe: bytes in, bytes out.
 */
export {
  PickleError,
  type PickleCallable,
  PyFloat,
  PyGlobal,
  PyGlobalCall,
  PyPersistentId,
  PyTuple,
  pickle,
  type UnpickleOptions,
  unpickle,
} from './pickle';
export { crc32, readZip, type WriteZipOptions, writeZip, ZipError, type ZipEntry } from './zip';
export {
  readTorchCheckpoint,
  TorchCheckpointError,
  type TorchDtype,
  TorchTensor,
  type WriteTorchCheckpointOptions,
  writeTorchCheckpoint,
} from './checkpoint';
export {
  type AdamWTransfer,
  buildNanoGptCheckpoint,
  COMPILE_PREFIX,
  configToModelArgs,
  modelArgsToConfig,
  type NanoGptCheckpoint,
  type NanoGptCheckpointInput,
  NanoGptError,
  type NanoGptModelArgs,
  nanoGptParameters,
  optimizerOrder,
  parseNanoGptCheckpoint,
  stripCompilePrefix,
} from './nanogpt';
export {
  charMetaPickle,
  encodeNanoGptBin,
  NANOGPT_MAX_VOCAB,
  type NanoGptReadmeInfo,
  nanoGptReadme,
} from './nanogpt-data';
export {
  type FloatTensorLike,
  GPT2_HEADS,
  type HfGpt2Config,
  HfGpt2Error,
  hfGpt2FromSafetensors,
  hfGpt2ToTransformer,
} from './hf-gpt2';
