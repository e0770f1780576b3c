/**
 * Registers TensorFlow.js's gradient functions, which `@tensorflow/tfjs-core` alone does not (the
 * `@tensorflow/tfjs` bundle does). trainStep needs them, and the trainer must work even when no other
 * module registered them. They go to tfjs's global registry, so registering twice is harmless.
 *
 * The build inlines this import (tsup `noExternal`): tfjs-core's ESM files use extension-less imports
 * that Node cannot load directly.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';

/**
 * True once the gradients are registered (always, after this module is imported). Exported from the
 * package entry so that bundlers keep this module: the package's `sideEffects` names only dist files,
 * and a bare import of a module they consider pure is dropped.
 */
export const GRADIENTS_REGISTERED = true;
