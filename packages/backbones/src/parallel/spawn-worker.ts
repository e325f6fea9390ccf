import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { siblingModule } from './sibling-module';

// A worker whose entry is TypeScript (tests, tsx) registers tsx's ESM loader itself before importing
// the entry: vitest transforms modules in its own runner, which worker threads do not inherit.
const TS_BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  const { register } = await import(workerData.tsxApi);
  register();
  await import(workerData.entry);
})().catch((error) => { setImmediate(() => { throw error; }); });
`;

function tsxApiUrl(): string {
  const require = createRequire(import.meta.url);
  // The package's "import" build; resolving through require gives the CommonJS one, whose register() fails here.
  const cjs = require.resolve('tsx/esm/api');
  return pathToFileURL(cjs.replace(/index\.cjs$/, 'index.mjs')).href;
}

/**
 * Starts the replica worker thread. From the sources the worker gets `--conditions=@hvcm/source`
 * (so `@hvcm/*` imports resolve to `src/index.ts`, as in tests) and tsx; from the build, plain Node.
 */
export function spawnReplicaWorker(): Worker {
  const entry = siblingModule(import.meta.url, 'replica-worker');
  if (!entry.typescript) return new Worker(entry.url);
  const execArgv = process.execArgv.includes('--conditions=@hvcm/source')
    ? process.execArgv
    : [...process.execArgv, '--conditions=@hvcm/source'];
  return new Worker(TS_BOOTSTRAP, {
    eval: true,
    execArgv,
    workerData: { tsxApi: tsxApiUrl(), entry: entry.url.href },
  });
}
