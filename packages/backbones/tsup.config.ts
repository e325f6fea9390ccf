import { defineConfig } from 'tsup';

export default defineConfig({
  // The data-parallel worker and the backbone training program are loaded by URL at run time
  // (new Worker / import()), so they are entries of their own next to index.js.
  entry: {
    index: 'src/index.ts',
    'replica-worker': 'src/parallel/replica-worker.ts',
    'backbone-classifier-program': 'src/parallel/backbone-classifier-program.ts',
  },
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
});
