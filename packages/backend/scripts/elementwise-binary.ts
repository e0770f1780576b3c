/** The elementwise module's generated file, src/wasm/simd/elementwise-binary.ts. */
import { binarySource } from './assemble';
import { elementwiseWat } from './elementwise-wat';

/** The text of src/wasm/simd/elementwise-binary.ts. */
export const elementwiseBinarySource = () =>
  binarySource({
    generator: 'elementwise-wat.ts',
    wat: elementwiseWat,
    constant: 'ELEMENTWISE_WASM',
    what: 'exp, tanh, erf, the column sum and the fused kernels',
  });
