import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/node.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  // tfjs-core's gradient registrations are ESM files with extension-less imports that Node cannot
  // load, so they are inlined; they register into tfjs's global registry, shared with the external core.
  // The fused kernels' names come from @makemore/backend, a dev dependency only: bundled in, so that this
  // package never imports @makemore/backend at run time.
  noExternal: [/@tensorflow\/tfjs-core\/dist\/register_all_gradients/, '@makemore/backend/fused-kernels'],
});
