/**
 * Registers TensorFlow.js's gradient functions. `@tensorflow/tfjs-core` alone ships ops without their
 * gradients (the `@tensorflow/tfjs` bundle registers them), so training with core + a backend needs
 * this side-effect import. Registration goes to tfjs's global registry, so doing it twice is harmless.
 *
 * The build inlines this module (tsup `noExternal`), because tfjs-core's ESM files use extension-less
 * imports that Node cannot load directly.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
