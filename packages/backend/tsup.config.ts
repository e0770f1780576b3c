import { defineConfig, type Options } from 'tsup';

// Source maps without the sources embedded: `node --enable-source-maps` still names src/*.ts lines in a
// stack trace (what a bug report needs), at a fraction of the install size.
const mapsWithoutSources: NonNullable<Options['esbuildOptions']> = (options) => {
  options.sourcesContent = false;
};

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
    esbuildOptions: mapsWithoutSources,
    target: 'es2022',
  },
  {
    entry: ['src/node.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    clean: false,
    sourcemap: true,
    esbuildOptions: mapsWithoutSources,
    target: 'es2022',
    shims: true,
    noExternal: [/^@tensorflow\/tfjs-core\/dist\//],
  },
]);
