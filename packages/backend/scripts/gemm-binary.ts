/** The gemm module's generated file, src/wasm/gemm/binary.ts. */
import { binarySource } from './assemble';
import { gemmWat } from './gemm-wat';

/** The text of src/wasm/gemm/binary.ts. */
export const gemmBinarySource = () =>
  binarySource({
    generator: 'gemm-wat.ts',
    wat: gemmWat,
    constant: 'GEMM_WASM',
    what: 'The gemm module',
    fma: true,
  });
