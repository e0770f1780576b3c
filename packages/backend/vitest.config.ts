import { defineProject } from 'vitest/config';
import { sharedTest, workspaceAliases } from '../../vitest.shared';

export default defineProject({
  resolve: { alias: workspaceAliases },
  test: { ...sharedTest, name: 'backend', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
});
