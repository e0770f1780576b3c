import { defineProject } from 'vitest/config';
import { sharedTest, workspaceAliases } from '../../vitest.shared';

export default defineProject({
  resolve: { alias: workspaceAliases },
  test: {
    ...sharedTest,
    name: 'cli',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The end-to-end tests spawn dist/bin.js: build it once up front when it is missing or stale.
    globalSetup: ['./test/global-setup.ts'],
  },
});
