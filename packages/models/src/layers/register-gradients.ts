/**
 * Registers TensorFlow.js's gradient functions. `@tensorflow/tfjs-core` alone ships ops without their
 * gradients (the `@tensorflow/tfjs` bundle registers them), so training with core + a backend needs
 * this side-effect import. Registration goes to tfjs's global registry, so doing it twice is harmless.
 *
 * The build inlines this module (tsup `noExternal`), because tfjs-core's ESM files use extension-less
 * imports that Node cannot load directly.
 */
import { getGradient } from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';

/**
 * True once the gradients are registered (always, after this module is imported).
 */
export const GRADIENTS_REGISTERED = true;

/**
 * Checks that tfjs's gradients are registered. The modules that differentiate call it instead of
 * importing this module bare: the package is marked side-effect free (so that an app importing only
 * `BigramCounts` bundles no tfjs), and bundlers drop a bare import of such a module, but never a module
 * whose function is called.
 */
export function assertGradientsRegistered(): void {
  if (getGradient('Reshape') === undefined) {
    throw new Error(
      "tfjs's gradients are not registered: a bundler dropped @makemore/models' registration. " +
        'Import it explicitly with `import "@tensorflow/tfjs-core/dist/register_all_gradients"`.',
    );
  }
}
