// Compiles the AssemblyScript kernels in ../assembly (every .ts file there) to ../build/kernels.wasm.
// The module imports its memory (the tfjs wasm backend's heap) and must hold no data segments:
// anything it placed in memory at instantiation would overwrite the backend's own data.
// Run by `pnpm build`, by the package's `prepare` (pnpm install) and by the test setup when stale.
import { readFile, readdir, mkdir, rename } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}build/kernels.wasm`;
await mkdir(`${root}build`, { recursive: true });
const tmp = `${out}.${process.pid}.tmp`;
// Every assembly/*.ts file is an entry: each kernel lives in its own file and exports its functions.
const entries = (await readdir(`${root}assembly`)).filter((f) => f.endsWith('.ts')).sort().map((f) => `assembly/${f}`);
const { error, stderr } = await asc.main(
  [
    ...entries,
    '--outFile', tmp,
    '--optimizeLevel', '3',
    '--shrinkLevel', '0',
    '--runtime', 'stub',
    '--noAssert',
    '--use', 'abort=',
    '--importMemory',
    '--initialMemory', '0',
    '--enable', 'simd',
    '--disable', 'bulk-memory',
  ],
  { stdout: process.stdout, stderr: process.stderr, readFile: (f, d) => readFile(`${root}${d}/${f}`, 'utf8').catch(() => null), baseDir: root },
);
if (error) {
  console.error(stderr.toString());
  throw error;
}
const bytes = await readFile(tmp);
if (hasDataSection(bytes)) throw new Error('build-wasm: the kernel module has a data section; it would overwrite the tfjs heap');
await rename(tmp, out);
console.log(`build-wasm: ${out} (${bytes.length} bytes)`);

/** True when the binary has a non-empty data section (id 11). */
function hasDataSection(b) {
  let p = 8;
  while (p < b.length) {
    const id = b[p++];
    let size = 0, shift = 0, byte;
    do { byte = b[p++]; size |= (byte & 0x7f) << shift; shift += 7; } while (byte & 0x80);
    if (id === 11 && size > 1) return true;
    p += size;
  }
  return false;
}
