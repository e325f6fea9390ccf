import { createRequire } from 'node:module';

/**
 * Loads one backend package by name and runs its side effects (registering a tfjs backend).
 * Injectable so tests can simulate missing or broken native packages. It may throw (a missing
 * package throws an error whose `code` is `'MODULE_NOT_FOUND'`, like Node's `require`).
 */
export type ModuleLoader = (packageName: string) => Promise<unknown>;

/**
 * The real loader: CommonJS `require` for the native packages (they are CommonJS and optional:
 * a literal `import()` would make bundlers and TypeScript insist that they exist), `import()`
 * with literal names for the wasm and cpu backends (regular dependencies).
 */
export const defaultModuleLoader: ModuleLoader = async (packageName) => {
  switch (packageName) {
    case '@tensorflow/tfjs-backend-wasm':
      return import('@tensorflow/tfjs-backend-wasm');
    case '@tensorflow/tfjs-backend-cpu':
      return import('@tensorflow/tfjs-backend-cpu');
    default: {
      const require = createRequire(import.meta.url);
      return require(packageName) as unknown;
    }
  }
};
