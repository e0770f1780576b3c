/**
 * Assembles our WebAssembly modules into base64 TypeScript (so the package needs no loader for .wasm files
 * and stays browser-safe): scripts/gemm-wat.ts into src/wasm/gemm/binary.ts and scripts/elementwise-wat.ts
 * into src/wasm/simd/elementwise-binary.ts. Run after editing a generator: `pnpm --filter @makemore/backend
 * build:wasm`. Tests check that the committed files match the generators.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { elementwiseBinarySource } from './elementwise-binary';
import { gemmBinarySource } from './gemm-binary';

for (const [path, source] of [
  ['../src/wasm/gemm/binary.ts', gemmBinarySource],
  ['../src/wasm/simd/elementwise-binary.ts', elementwiseBinarySource],
] as const) {
  const target = fileURLToPath(new URL(path, import.meta.url));
  writeFileSync(target, await source());
  console.log(`wrote ${target}`);
}
