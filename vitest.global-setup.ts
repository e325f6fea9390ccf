// Builds the wasm kernel module of @hvcm/backbones before the tests when it is missing or older
// than its AssemblyScript sources (tests run on the TypeScript sources, without `pnpm build`).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('./packages/backbones/', import.meta.url));
  const out = `${root}build/kernels.wasm`;
  const sources = readdirSync(`${root}assembly`, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  const newest = Math.max(statSync(`${root}scripts/build-wasm.mjs`).mtimeMs, ...sources.map((f) => statSync(`${root}assembly/${f}`).mtimeMs));
  if (existsSync(out) && statSync(out).mtimeMs >= newest) return;
  execFileSync(process.execPath, [`${root}scripts/build-wasm.mjs`], { stdio: 'inherit' });
}
