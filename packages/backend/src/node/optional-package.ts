/**
 * Finds and loads an optional package (tfjs-node, tfjs-node-gpu) without ever crashing the caller.
 *
 * Three outcomes, told apart because the user needs different advice for each:
 *   - absent: `require.resolve` cannot find it → "install it";
 *   - broken: it resolves but loading throws, typically its native addon or libtensorflow failing to
 *     load → "reinstall it / check CUDA", with the loader's own message;
 *   - loaded.
 * Resolution starts from a base directory so that tests (and unusual layouts) can point it elsewhere.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What looking for an optional package found. */
export type OptionalPackage =
  | { state: 'absent'; name: string; why: string }
  | { state: 'broken'; name: string; why: string; path: string }
  | { state: 'loaded'; name: string; path: string; module: unknown };

/** The default resolution bases: this package's own location, then the working directory. */
export function defaultResolutionBases(): string[] {
  return [dirname(fileURLToPath(import.meta.url)), process.cwd()];
}

const firstLine = (err: unknown) => {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split('\n').find((l) => l.trim() !== '') ?? text).trim();
};

/**
 * Looks for `name` from each directory in `bases` (in order) and loads the first one found.
 * @param bases directories to resolve from, as if a file in that directory called `require(name)`
 */
export function loadOptionalPackage(
  name: string,
  bases: readonly string[] = defaultResolutionBases(),
): OptionalPackage {
  for (const base of bases) {
    const req = createRequire(join(base, '__makemore_resolve__.cjs'));
    let path: string;
    try {
      path = req.resolve(name);
    } catch {
      continue;
    }
    try {
      return { state: 'loaded', name, path, module: req(path) };
    } catch (err) {
      return {
        state: 'broken',
        name,
        path,
        why: `installed at ${path} but failed to load: ${firstLine(err)}`,
      };
    }
  }
  return { state: 'absent', name, why: `${name} is not installed` };
}
