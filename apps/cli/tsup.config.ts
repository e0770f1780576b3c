import { defineConfig, type Options } from 'tsup';

// Source maps without the sources embedded: `node --enable-source-maps` still names src/*.ts lines in a
// stack trace (what a bug report needs), at a fraction of the install size.
const mapsWithoutSources: NonNullable<Options['esbuildOptions']> = (options) => {
  options.sourcesContent = false;
};

// One build for both entries: two configs with `clean` would race, one deleting the other's output.
export default defineConfig({
  entry: { index: 'src/index.ts', bin: 'src/bin.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  clean: true,
  sourcemap: true,
  esbuildOptions: mapsWithoutSources,
  target: 'es2022',
  // The shebang makes dist/bin.js executable as `makemore`; Node ignores it in the other files.
  banner: { js: '#!/usr/bin/env node' },
});
