/**
 * `makemore bench --backend webgpu [--allow-software]`: tfjs's WebGPU backend in Node through Dawn (the
 * optional `webgpu` package). @makemore/backend/node's `useDawnWebGpu` decides what is usable; this file
 * gives it the flags and turns its refusals into one-line usage errors (exit 2).
 */
import type { Args, FlagSpec } from './args';
import { BACKEND_FLAGS } from './command';
import { CliError } from './errors';
import { selectBackend } from './session';
import type { Output } from './ui/output';

/** `bench`'s backend flags: the usual ones, `webgpu` among the choices, and `--allow-software`. */
export const BENCH_BACKEND_FLAGS: FlagSpec[] = [
  ...BACKEND_FLAGS.map((flag) =>
    flag.name === 'backend'
      ? {
          ...flag,
          choices: [...(flag.choices ?? []), 'webgpu'],
          description: `${flag.description}; webgpu runs through Dawn (npm install webgpu@0.6.2 @tensorflow/tfjs-backend-webgpu@4.22.0)`,
        }
      : flag,
  ),
  {
    name: 'allow-software',
    type: 'boolean',
    description:
      'with --backend webgpu: accept a software adapter (SwiftShader, lavapipe), slower than wasm, to count kernels',
  },
];

/** The backend `bench` asked for: WebGPU through Dawn, or whatever `selectBackend` picks. */
export async function selectBenchBackend(
  args: Args,
  out: Output,
): Promise<{ backend: string; reason: string }> {
  const allowSoftware = args.bool('allow-software');
  if (args.string('backend') !== 'webgpu') {
    if (allowSoftware) throw new CliError('--allow-software applies only to --backend webgpu');
    return selectBackend(args, out);
  }
  if (args.has('threads')) throw new CliError('--threads applies to the wasm backend, not --backend webgpu');
  const { useDawnWebGpu, DawnUnavailableError } = await import('@makemore/backend/node');
  try {
    return await useDawnWebGpu({ allowSoftware });
  } catch (error) {
    if (error instanceof DawnUnavailableError) throw new CliError(`--backend webgpu: ${error.message}`);
    throw error;
  }
}
