import { defineConfig, type Options } from 'tsup';

// Source maps without the sources embedded: `node --enable-source-maps` still names src/*.ts lines in a
// stack trace (what a bug report needs), at a fraction of the install size.
const mapsWithoutSources: NonNullable<Options['esbuildOptions']> = (options) => {
  options.sourcesContent = false;
};

export default defineConfig({
  entry: ['src/index.ts', 'src/node.ts'],
  format: ['esm', 'cjs'],
  // TextTokenizer is @makemore/tokenizers' (a dev dependency only): its declaration is carried into ours, so
  // that users need not install @makemore/tokenizers for our types to resolve.
  dts: { resolve: ['@makemore/tokenizers'] },
  clean: true,
  sourcemap: true,
  esbuildOptions: mapsWithoutSources,
  target: 'es2022',
});
