import { defineConfig, type Options } from 'tsup';

// Source maps without the sources embedded: `node --enable-source-maps` still names src/*.ts lines in a
// stack trace (what a bug report needs), at a fraction of the install size.
const mapsWithoutSources: NonNullable<Options['esbuildOptions']> = (options) => {
  options.sourcesContent = false;
};

const common: Options = {
  target: 'es2022',
  sourcemap: true,
  esbuildOptions: mapsWithoutSources,
  // tfjs-core's gradient registrations are ESM files with extension-less imports that Node cannot
  // load, so they are inlined; they register into tfjs's global registry, shared with the external core.
  // The fused kernels' names come from @makemore/backend, a dev dependency only: bundled in, so that this
  // package never imports @makemore/backend at run time.
  noExternal: [/@tensorflow\/tfjs-core\/dist\/register_all_gradients/, '@makemore/backend/fused-kernels'],
};

// Two builds (package.json's build script empties dist first; two configs with `clean` would race).
// ESM: every source module is an entry point, so code splitting gives each its own chunk and the entry
// files only re-export. With `sideEffects: false`, a bundler then takes only the chunks an app uses:
// `BigramCounts` alone comes without tfjs. CJS (not tree-shaken by anyone): the two public entries.
export default defineConfig([
  {
    ...common,
    entry: ['src/**/*.ts', '!src/**/*.test.ts'],
    format: ['esm'],
    splitting: true,
    dts: { entry: ['src/index.ts', 'src/node.ts'] },
  },
  {
    ...common,
    entry: ['src/index.ts', 'src/node.ts'],
    format: ['cjs'],
    dts: true,
  },
]);
