import { defineConfig } from 'tsup';

// Two builds. The browser entry leaves every dependency to the app's bundler; beside it, the fused kernels'
// names alone (`@makemore/backend/fused-kernels`, no side effects), which @makemore/models builds in. The Node
// entry bundles tfjs-core's gradient registrations: they ship only as extensionless ESM files that plain Node
// cannot load, and without them nothing trains (see src/gradients.ts). Everything else stays external.
export default defineConfig([
  {
    entry: ['src/index.ts', 'src/fused-kernels.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    clean: false,
    sourcemap: true,
    target: 'es2022',
  },
  {
    entry: ['src/node.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    clean: false,
    sourcemap: true,
    target: 'es2022',
    shims: true,
    noExternal: [/^@tensorflow\/tfjs-core\/dist\//],
  },
]);
