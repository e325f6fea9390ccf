import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * URL of a module that sits next to the caller: `<name>.ts` when running from the TypeScript
 * sources (tsx, vitest), `<name>.js` in the built package (tsup emits each such module as its own
 * entry next to `index.js`). `base` is the caller's `import.meta.url`.
 */
export function siblingModule(base: string, name: string): { url: URL; typescript: boolean } {
  const ts = new URL(`./${name}.ts`, base);
  if (ts.protocol === 'file:' && existsSync(fileURLToPath(ts))) return { url: ts, typescript: true };
  return { url: new URL(`./${name}.js`, base), typescript: false };
}
