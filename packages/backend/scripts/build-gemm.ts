/**
 * Assembles scripts/gemm-wat.ts into src/wasm/gemm/binary.ts (base64, so the package needs no loader for
 * .wasm files and stays browser-safe). Run after editing the generator: `pnpm --filter @makemore/backend
 * build:gemm`. A test checks that the committed file matches the generator.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gemmBinarySource } from './gemm-binary';

const target = fileURLToPath(new URL('../src/wasm/gemm/binary.ts', import.meta.url));
writeFileSync(target, await gemmBinarySource());
console.log(`wrote ${target}`);
