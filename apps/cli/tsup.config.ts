import { defineConfig } from 'tsup';

// One build for both entries: two configs with `clean` would race, one deleting the other's output.
export default defineConfig({
  entry: { index: 'src/index.ts', bin: 'src/bin.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  clean: true,
  sourcemap: true,
  target: 'es2022',
  // The shebang makes dist/bin.js executable as `makemore`; Node ignores it in the other files.
  banner: { js: '#!/usr/bin/env node' },
});
