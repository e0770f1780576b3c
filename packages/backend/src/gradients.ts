/**
 * Registers every gradient of tfjs-core. `@tensorflow/tfjs-core` alone ships its ops but not their
 * gradients (the `@tensorflow/tfjs` bundle adds them), so `tf.grad` and optimizers fail with "gradient
 * function not found" until this module has run. Importing it twice is harmless.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';

/** True once the gradients are registered (always, after this module is imported). */
export const GRADIENTS_REGISTERED = true;
