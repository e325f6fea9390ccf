import { fileURLToPath } from 'node:url';
import type { ViteUserConfig } from 'vitest/config';

const packagesDir = fileURLToPath(new URL('./packages/', import.meta.url));
const globalSetup = fileURLToPath(new URL('./vitest.global-setup.ts', import.meta.url));

/**
 * Settings every vitest run here shares. Tests run on the TypeScript sources: `@hvcm/<name>`
 * resolves to `packages/<name>/src/index.ts`, so no build is needed before testing.
 */
export const sharedConfig: ViteUserConfig = {
  resolve: {
    alias: [{ find: /^@hvcm\/([a-z-]+)$/, replacement: `${packagesDir}$1/src/index.ts` }],
  },
  test: {
    globalSetup: [globalSetup],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    include: ['src/**/*.test.ts'],
  },
};
