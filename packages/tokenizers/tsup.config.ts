import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    node: 'src/node.ts',
    'encodings/r50k_base': 'src/encodings/r50k_base.ts',
    'encodings/p50k_base': 'src/encodings/p50k_base.ts',
    'encodings/cl100k_base': 'src/encodings/cl100k_base.ts',
    'encodings/o200k_base': 'src/encodings/o200k_base.ts',
  },
  format: ['esm', 'cjs'],
  // Shared chunks in both formats, so that every entry (and getEncoding's dynamic imports) shares one
  // BpeTokenizer class and each encoding's ranks exist once.
  splitting: true,
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  esbuildOptions(options) {
    // Keep the ranks' non-ASCII text as UTF-8: ASCII escapes (\uXXXX) would double o200k_base's size.
    options.charset = 'utf8';
    // Source maps without the sources embedded: `node --enable-source-maps` still names src/*.ts lines
    // in a stack trace (what a bug report needs), without repeating the multi-megabyte rank strings.
    options.sourcesContent = false;
  },
});
