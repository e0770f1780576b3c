import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/node.ts'],
  format: ['esm', 'cjs'],
  // TextTokenizer is @makemore/tokenizers' (a dev dependency only): its declaration is carried into ours, so
  // that users need not install @makemore/tokenizers for our types to resolve.
  dts: { resolve: ['@makemore/tokenizers'] },
  clean: true,
  sourcemap: true,
  target: 'es2022',
});
