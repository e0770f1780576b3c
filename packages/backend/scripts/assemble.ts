/** Assembles a module's WebAssembly text with wabt, for the generated binary.ts files. */
import wabtModule from 'wabt';

/** The binary of `wat`; `shared` enables the threads feature its shared memory import needs. */
export async function assemble(name: string, wat: string, shared: boolean): Promise<Uint8Array> {
  const wabt = await wabtModule();
  const features = { simd: true, threads: shared };
  const parsed = wabt.parseWat(name, wat, features);
  try {
    // validate() takes the feature set at run time (its .d.ts omits the parameter); without it, shared
    // memory is rejected.
    (parsed as unknown as { validate(features: object): void }).validate(features);
    return parsed.toBinary({}).buffer;
  } finally {
    parsed.destroy();
  }
}

export const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
