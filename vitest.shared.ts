// Shared vitest settings. Tests import workspace packages from their TypeScript sources, so a change in
// a lower package is seen by the tests above it without a rebuild; builds and type checks go through dist.
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
const packages = ['random', 'tokenizers', 'datasets', 'backend', 'models', 'trainer', 'run'];

export const workspaceAliases = packages.flatMap((name) => [
  { find: new RegExp(`^@makemore/${name}/spec$`), replacement: `${root}packages/${name}/src/spec-entry.ts` },
  { find: new RegExp(`^@makemore/${name}/node$`), replacement: `${root}packages/${name}/src/node.ts` },
  { find: new RegExp(`^@makemore/${name}$`), replacement: `${root}packages/${name}/src/index.ts` },
]);

/**
 * Tests read the datasets from MAKEMORE_DATA_DIR (.ci/run sets it); a developer's run without it uses the
 * folder the project lays out beside the repository, ../shared/datasets.
 */
process.env.MAKEMORE_DATA_DIR ??= fileURLToPath(new URL('../shared/datasets', import.meta.url));

export const sharedTest = {
  testTimeout: 60_000,
  hookTimeout: 60_000,
  passWithNoTests: true,
};
