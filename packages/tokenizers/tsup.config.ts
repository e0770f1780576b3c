import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

/**
 * The encodings' source maps would repeat the multi-megabyte rank strings in `sourcesContent`; the data is
 * generated, so its content is dropped from the maps (the code's content stays).
 */
function dropGeneratedSourceContent(): void {
  const dir = 'dist/encodings';
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.map')) continue;
    const path = `${dir}/${name}`;
    const map = JSON.parse(readFileSync(path, 'utf8')) as { sources: string[]; sourcesContent?: unknown[] };
    if (map.sourcesContent === undefined) continue;
    map.sourcesContent = map.sources.map((source, i) =>
      source.includes('/generated/') ? null : map.sourcesContent![i],
    );
    writeFileSync(path, JSON.stringify(map));
  }
}

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
  // Keep the ranks' non-ASCII text as UTF-8: ASCII escapes (\uXXXX) would double o200k_base's size.
  esbuildOptions(options) {
    options.charset = 'utf8';
  },
  onSuccess: async () => dropGeneratedSourceContent(),
});
