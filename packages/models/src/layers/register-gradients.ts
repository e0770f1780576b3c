/**
 * Registers TensorFlow.js's gradient functions. `@tensorflow/tfjs-core` alone ships ops without their
 * gradients (the `@tensorflow/tfjs` bundle registers them), so training with core + a backend needs
 * this side-effect import. Registration goes to tfjs's global registry, so doing it twice is harmless.
 *
 * The build inlines this module (tsup `noExternal`), because tfjs-core's ESM files use extension-less
 * imports that Node cannot load directly.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';

/**
 * True once the gradients are registered (always, after this module is imported). Exported from the
 * package entry so that bundlers keep this module: the package's `sideEffects` names only dist files,
 * and a bare import of a module they consider pure is dropped.
 */
export const GRADIENTS_REGISTERED = true;
