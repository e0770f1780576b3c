import { defineConfig, type Options } from 'tsup';

// Source maps without the sources embedded: `node --enable-source-maps` still names src/*.ts lines in a
// stack trace (what a bug report needs), at a fraction of the install size.
const mapsWithoutSources: NonNullable<Options['esbuildOptions']> = (options) => {
  options.sourcesContent = false;
};

export default defineConfig({
  entry: ['src/index.ts', 'src/spec-entry.ts', 'src/node.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  esbuildOptions: mapsWithoutSources,
  target: 'es2022',
});
