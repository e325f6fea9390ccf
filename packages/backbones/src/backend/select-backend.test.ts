import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@hvcm/metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { unregisterWasmTrainingKernels, wasmTrainingKernelsRegistered } from '../gradients/register-wasm-training-kernels';
import { BackendUnavailableError } from './backend-unavailable-error';
import { defaultModuleLoader, type ModuleLoader } from './module-loader';
import { selectBackend } from './select-backend';

/** What Node's `require` throws for a package that is not installed. */
function notFound(name: string): Error {
  return Object.assign(new Error(`Cannot find module '${name}'\nRequire stack:\n- /x.js`), { code: 'MODULE_NOT_FOUND' });
}

/** A loader that behaves per package as scripted; wasm and cpu load for real. */
function scriptedLoader(script: Record<string, () => unknown>): ModuleLoader & { calls: string[] } {
  const calls: string[] = [];
  const loader = async (name: string): Promise<unknown> => {
    calls.push(name);
    const behaviour = script[name];
    if (behaviour !== undefined) return behaviour();
    if (name.startsWith('@tensorflow/tfjs-node')) throw notFound(name);
    return defaultModuleLoader(name);
  };
  return Object.assign(loader, { calls });
}

/** Stands in for a working tfjs-node: registers a tfjs backend named 'tensorflow'. */
function registerFakeTensorflowBackend(): object {
  tf.registerBackend('tensorflow', () => new MathBackendCPU());
  return {};
}

const quiet = { log: null, env: {} } as const;

describe('selectBackend', () => {
  afterEach(async () => {
    await tf.setBackend('cpu');
    if (tf.findBackendFactory('tensorflow') != null) tf.removeBackend('tensorflow');
    unregisterWasmTrainingKernels();
  });

  it('falls back to wasm when both native packages are missing, and says why in one line', async () => {
    const lines: string[] = [];
    const loader = scriptedLoader({});
    const selection = await selectBackend({ env: {}, loadModule: loader, log: (l) => lines.push(l) });
    expect(selection.name).toBe('wasm');
    expect(selection.tfjsBackend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(selection.reason).toBe('first available');
    expect(selection.attempts.map((a) => [a.name, a.ok])).toEqual([
      ['node-gpu', false],
      ['node', false],
      ['wasm', true],
    ]);
    expect(selection.attempts[0]!.reason).toBe('@tensorflow/tfjs-node-gpu not installed (MODULE_NOT_FOUND)');
    expect(selection.attempts[1]!.reason).toBe('@tensorflow/tfjs-node not installed (MODULE_NOT_FOUND)');
    expect(lines).toEqual([selection.line]);
    expect(selection.line).toBe(
      '@hvcm/backbones: backend wasm (first available); node-gpu: @tensorflow/tfjs-node-gpu not installed ' +
        '(MODULE_NOT_FOUND); node: @tensorflow/tfjs-node not installed (MODULE_NOT_FOUND)',
    );
    expect(wasmTrainingKernelsRegistered()).toBe(true);
    expect(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')).toBeDefined();
  });

  it('falls back from a broken GPU package to a working tfjs-node', async () => {
    const loader = scriptedLoader({
      '@tensorflow/tfjs-node-gpu': () => {
        throw Object.assign(new Error('libcudart.so.11.0: cannot open shared object file\nmore'), {
          code: 'ERR_DLOPEN_FAILED',
        });
      },
      '@tensorflow/tfjs-node': registerFakeTensorflowBackend,
    });
    const selection = await selectBackend({ ...quiet, loadModule: loader });
    expect(selection.name).toBe('node');
    expect(selection.tfjsBackend).toBe('tensorflow');
    expect(tf.getBackend()).toBe('tensorflow');
    expect(selection.attempts[0]).toEqual({
      name: 'node-gpu',
      ok: false,
      reason: '@tensorflow/tfjs-node-gpu failed to load (ERR_DLOPEN_FAILED): libcudart.so.11.0: cannot open shared object file',
    });
    expect(loader.calls).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
  });

  it('takes the GPU package first when it works', async () => {
    const loader = scriptedLoader({ '@tensorflow/tfjs-node-gpu': registerFakeTensorflowBackend });
    const selection = await selectBackend({ ...quiet, loadModule: loader });
    expect(selection.name).toBe('node-gpu');
    expect(selection.attempts).toHaveLength(1);
    expect(loader.calls).toEqual(['@tensorflow/tfjs-node-gpu']);
  });

  it('falls back when a package loads but registers no backend, or its binding is missing', async () => {
    const loader = scriptedLoader({
      '@tensorflow/tfjs-node-gpu': () => ({}),
      '@tensorflow/tfjs-node': () => {
        throw notFound('/x/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node');
      },
    });
    const selection = await selectBackend({ ...quiet, loadModule: loader });
    expect(selection.name).toBe('wasm');
    expect(selection.attempts[0]!.reason).toBe("@tensorflow/tfjs-node-gpu loaded but registered no tfjs backend 'tensorflow'");
    expect(selection.attempts[1]!.reason).toMatch(/^@tensorflow\/tfjs-node failed to load \(MODULE_NOT_FOUND\): .*tfjs_binding\.node/);
  });

  it('falls back when the backend registers but fails to start', async () => {
    const loader = scriptedLoader({
      '@tensorflow/tfjs-node-gpu': () => {
        tf.registerBackend('tensorflow', () => {
          throw new Error('no CUDA device');
        });
        return {};
      },
      '@tensorflow/tfjs-node': () => {
        tf.removeBackend('tensorflow');
        throw notFound('@tensorflow/tfjs-node');
      },
    });
    const selection = await selectBackend({ ...quiet, loadModule: loader });
    expect(selection.name).toBe('wasm');
    expect(selection.attempts[0]!.reason).toMatch(/loaded but tfjs backend 'tensorflow' failed to start/);
  });

  it('honours a forced backend from the option, without trying the others', async () => {
    const loader = scriptedLoader({});
    const selection = await selectBackend({ ...quiet, env: { HVCM_BACKEND: 'wasm' }, backend: 'cpu', loadModule: loader });
    expect(selection.name).toBe('cpu');
    expect(selection.reason).toBe('forced by option');
    expect(tf.getBackend()).toBe('cpu');
    expect(loader.calls).toEqual(['@tensorflow/tfjs-backend-cpu']);
    expect(selection.line).toBe('@hvcm/backbones: backend cpu (forced by option)');
  });

  it('honours HVCM_BACKEND', async () => {
    const selection = await selectBackend({ log: null, env: { HVCM_BACKEND: ' WASM ' } });
    expect(selection.name).toBe('wasm');
    expect(selection.reason).toBe('forced by HVCM_BACKEND');
    expect(wasmTrainingKernelsRegistered()).toBe(true);
  });

  it('throws BackendUnavailableError when the forced backend cannot start', async () => {
    const loader = scriptedLoader({});
    const error = await selectBackend({ log: null, env: { HVCM_BACKEND: 'node' }, loadModule: loader }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BackendUnavailableError);
    const e = error as BackendUnavailableError;
    expect(e.code).toBe('BACKEND_UNAVAILABLE');
    expect(e.message).toMatch(/Backend 'node' was forced by HVCM_BACKEND but could not be started/);
    expect(e.message).toMatch(/not installed \(MODULE_NOT_FOUND\)/);
    expect(e.attempts).toHaveLength(1);
    expect(loader.calls).toEqual(['@tensorflow/tfjs-node']);
  });

  it('rejects an unknown HVCM_BACKEND value with the list of valid ones', async () => {
    await expect(selectBackend({ log: null, env: { HVCM_BACKEND: 'tensorflow-gpu' } })).rejects.toThrow(
      InvalidArgumentError,
    );
    await expect(selectBackend({ log: null, env: { HVCM_BACKEND: 'gpu' } })).rejects.toThrow(
      "HVCM_BACKEND: expected one of 'node-gpu', 'node', 'wasm', 'cpu' or 'auto', got 'gpu'",
    );
  });

  it('with the real loader, picks the first backend that starts on this machine', async () => {
    const selection = await selectBackend({ log: null, env: { HVCM_BACKEND: 'auto' } });
    expect(tf.getBackend()).toBe(selection.tfjsBackend);
    const chosen = selection.attempts.at(-1)!;
    expect(chosen).toMatchObject({ name: selection.name, ok: true });
    for (const failed of selection.attempts.slice(0, -1)) {
      expect(failed.ok).toBe(false);
      expect(failed.reason).toMatch(/not installed|failed|registered no/);
    }
  });
});
