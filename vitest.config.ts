import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from './vitest.shared.ts';

// The root run covers every package, example and benchmark test in one vitest process tree.
// It also writes vitest's JSON report, which .ci/run reads to print its closing line.
export default defineConfig(
  mergeConfig(sharedConfig, {
    test: {
      include: [
        'packages/*/src/**/*.test.ts',
        'examples/*/src/**/*.test.ts',
        'bench/*/**/*.test.ts',
      ],
      reporters: ['default', 'json'],
      outputFile: { json: '.vitest-report.json' },
    },
  }),
);
