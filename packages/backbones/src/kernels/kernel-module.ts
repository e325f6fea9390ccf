// The hand-written wasm SIMD kernels (AssemblyScript sources in ../../assembly, compiled to
// build/kernels.wasm by scripts/build-wasm.mjs). The module imports the tfjs wasm backend's own
// memory, so a kernel reads its inputs and writes its outputs where the backend keeps tensors: no
// copies in or out. One instance per backend instance (each worker thread has its own).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the kernel module exports: functions over byte offsets into the backend's heap. */
export type KernelExports = Record<string, (...args: number[]) => number | undefined>;

/** The tfjs wasm backend as the kernels see it (fields of `BackendWasm`, not in its public types). */
export interface WasmBackendInternals {
  wasm: {
    /** The backend's `WebAssembly.Memory` (its heap), which the kernel module imports. */
    asm: { memory: object };
    _malloc(bytes: number): number;
    _free(pointer: number): void;
  };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: string): { dataId: object; shape: number[]; dtype: string };
}

/** Thrown when build/kernels.wasm is missing (the package was not built). */
export class KernelModuleMissingError extends Error {
  constructor(path: string) {
    super(
      `@hvcm/backbones: the wasm kernel module ${path} does not exist; build it with ` +
        '`pnpm --filter @hvcm/backbones build:wasm` (pnpm install and pnpm build do this)',
    );
    this.name = 'KernelModuleMissingError';
  }
}

/**
 * The parts of the WebAssembly JS API used here. TypeScript's `lib` here is ES2022 without DOM, and
 * @types/node declares the `WebAssembly` namespace without these classes.
 */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: object };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

let compiled: object | undefined;
const instances = new WeakMap<object, KernelExports>();

/** Path of build/kernels.wasm: the package root is the nearest folder above this file with a package.json. */
export function kernelModulePath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'build', 'kernels.wasm');
    const up = dirname(dir);
    if (up === dir) throw new Error('@hvcm/backbones: package root not found above ' + import.meta.url);
    dir = up;
  }
}

let availability: boolean | undefined;

/**
 * True when the compiled kernel module exists and is current, so the kernels can be used; checked
 * once per thread. In a source checkout (assembly/ beside build/), a module older than any kernel
 * source counts as absent, with one line on stderr: its functions may take other arguments than the
 * TypeScript that calls them, so the callers keep their tfjs paths until it is rebuilt.
 */
export function kernelModuleAvailable(): boolean {
  if (availability === undefined) {
    const path = kernelModulePath();
    const stale = existsSync(path) ? newerKernelSource(path) : undefined;
    if (stale !== undefined) {
      console.error(
        `@hvcm/backbones: ${path} is older than ${stale}; using the tfjs kernels until it is rebuilt (pnpm --filter @hvcm/backbones build:wasm)`,
      );
    }
    availability = existsSync(path) && stale === undefined;
  }
  return availability;
}

/** A kernel source newer than the module at `path`, if the sources are there. */
export function newerKernelSource(path: string): string | undefined {
  const sources = join(dirname(dirname(path)), 'assembly');
  if (!existsSync(sources)) return undefined;
  const built = statSync(path).mtimeMs;
  const files = readdirSync(sources, { recursive: true, encoding: 'utf8' });
  const newer = files.find((f) => f.endsWith('.ts') && statSync(join(sources, f)).mtimeMs > built);
  return newer === undefined ? undefined : join(sources, newer);
}

/** The kernel module instantiated on `backend`'s memory (cached per backend). */
export function kernelsFor(backend: unknown): KernelExports {
  const b = backend as WasmBackendInternals;
  let exports = instances.get(b);
  if (exports === undefined) {
    if (compiled === undefined) {
      const path = kernelModulePath();
      if (!existsSync(path)) throw new KernelModuleMissingError(path);
      compiled = new wasmApi.Module(readFileSync(path));
    }
    const instance = new wasmApi.Instance(compiled, { env: { memory: b.wasm.asm.memory } });
    exports = instance.exports as unknown as KernelExports;
    instances.set(b, exports);
  }
  return exports;
}

/**
 * Calls function `name` of the kernel module's exports `k` and returns its result (0 for none).
 * Throws naming it when the module lacks it: a build older than its callers.
 */
export function callKernelFunction(k: KernelExports, name: string, ...args: number[]): number {
  const f = k[name];
  if (f === undefined) {
    throw new Error(`@hvcm/backbones: the wasm kernel module has no '${name}'; rebuild it (pnpm --filter @hvcm/backbones build:wasm)`);
  }
  return f(...args) ?? 0;
}

/**
 * True when the kernel module is available, instantiates on `backend` (it needs wasm SIMD) and
 * exports every one of `names`: what a caller checks before choosing a kernel over its tfjs path.
 */
export function kernelModuleHas(backend: unknown, names: readonly string[]): boolean {
  if (!kernelModuleAvailable()) return false;
  try {
    const k = kernelsFor(backend);
    return names.every((name) => typeof k[name] === 'function');
  } catch {
    return false;
  }
}

/** Byte offset of a tensor's data in the backend's heap. */
export function heapOffset(backend: unknown, info: { dataId: object }): number {
  const entry = (backend as WasmBackendInternals).dataIdMap.get(info.dataId);
  if (entry === undefined) throw new Error('@hvcm/backbones: tensor data not found on the wasm backend');
  return entry.memoryOffset;
}

/**
 * Runs `body` with a scratch buffer of `bytes` bytes in the backend's heap, freed afterwards. For
 * kernels that need workspace beyond their output. The pointer is 16-byte aligned (emscripten's
 * malloc aligns to 8 only, as do tensors: wasm SIMD loads accept any alignment, aligned ones are faster).
 */
export function withScratch<T>(backend: unknown, bytes: number, body: (pointer: number) => T): T {
  const wasm = (backend as WasmBackendInternals).wasm;
  const pointer = wasm._malloc(bytes + 16);
  if (pointer === 0) throw new Error(`@hvcm/backbones: out of wasm memory allocating ${bytes} bytes of scratch`);
  try {
    return body(pointer + ((16 - (pointer % 16)) % 16));
  } finally {
    wasm._free(pointer);
  }
}
