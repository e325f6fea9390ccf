import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { CorruptFileError, InvalidArgumentError } from '@hvcm/metrics';
import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Backbone } from '../models/backbone';
import { createBackbone } from '../registry';
import { loadBackbone, loadBackboneWeights } from './load-backbone';
import { saveBackbone } from './save-backbone';

const tiny = { widths: [4, 8, 8], blocksPerStage: [1, 1, 1], numClasses: 3 } as const;
let root: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'hvcm-backbone-weights-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A trained-looking backbone: two training forwards moved its BatchNorm statistics off their init. */
function trainedBackbone(seed: number): Backbone {
  const net = createBackbone('small-resnet', { ...tiny, seed });
  const x = tf.randomUniform([4, 12, 12, 1], 0, 1, 'float32', seed);
  for (let i = 0; i < 2; i++) tf.dispose(Object.values(net.forward(x as tf.Tensor4D, { training: true })));
  x.dispose();
  return net;
}

async function outputs(net: Backbone): Promise<Float32Array[]> {
  const x = tf.randomUniform([3, 12, 12, 1], 0, 1, 'float32', 99) as tf.Tensor4D;
  const { features, logits } = net.forward(x);
  const result = [await features.data(), await logits!.data()] as Float32Array[];
  tf.dispose([x, features, logits!]);
  return result;
}

async function savedCopy(name: string, seed = 1): Promise<string> {
  const dir = join(root, name);
  const net = trainedBackbone(seed);
  await saveBackbone(net, dir);
  net.dispose();
  return dir;
}

describe('saveBackbone / loadBackbone', () => {
  it('round trip gives identical outputs and leaves only the two files', async () => {
    const dir = join(root, 'round-trip');
    const net = trainedBackbone(1);
    const metadata = await saveBackbone(net, dir);
    expect((await readdir(dir)).sort()).toEqual(['backbone.json', 'weights.bin']);
    expect(metadata.tensors.length).toBe(net.parameters.size + net.buffers.size);
    expect(metadata.architecture.name).toBe('small-resnet');

    const expected = await outputs(net); // also fills net's inference cache before counting tensors
    const before = tf.memory().numTensors;
    const loaded = await loadBackbone(dir);
    expect(loaded.options).toEqual(net.options);
    expect(await outputs(loaded)).toEqual(expected);
    for (const [name, v] of net.buffers) expect(loaded.buffers.get(name)!.dataSync()).toEqual(v.dataSync());

    // Into an existing backbone of the same architecture built with another seed.
    const other = createBackbone('small-resnet', { ...tiny, seed: 77 });
    expect(await outputs(other)).not.toEqual(expected);
    await loadBackboneWeights(other, dir);
    expect(await outputs(other)).toEqual(expected);
    other.dispose();
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
  });

  it('overwrites an existing save atomically', async () => {
    const dir = await savedCopy('overwrite', 1);
    const second = trainedBackbone(2);
    await saveBackbone(second, dir);
    expect((await readdir(dir)).sort()).toEqual(['backbone.json', 'weights.bin']);
    const loaded = await loadBackbone(dir);
    expect(await outputs(loaded)).toEqual(await outputs(second));
    loaded.dispose();
    second.dispose();
  });

  it('a flipped byte in weights.bin is a CorruptFileError naming that file', async () => {
    const dir = await savedCopy('flipped');
    const path = join(dir, 'weights.bin');
    const bytes = await readFile(path);
    bytes[100] = (bytes[100]! + 1) % 256;
    await writeFile(path, bytes);
    const error = await loadBackbone(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptFileError);
    expect((error as CorruptFileError).path).toBe(path);
    expect((error as Error).message).toMatch(/CRC-32/);
  });

  it('a truncated weights.bin is a CorruptFileError that says so', async () => {
    const dir = await savedCopy('truncated');
    const path = join(dir, 'weights.bin');
    await truncate(path, 1000);
    const error = await loadBackbone(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptFileError);
    expect((error as CorruptFileError).path).toBe(path);
    expect((error as Error).message).toMatch(/found 1000 \(truncated\)/);
  });

  it('broken or inconsistent metadata is a CorruptFileError naming backbone.json', async () => {
    const dir = await savedCopy('bad-json');
    const path = join(dir, 'backbone.json');
    const good = await readFile(path, 'utf8');
    const expectCorrupt = async (text: string, message: RegExp): Promise<void> => {
      await writeFile(path, text);
      const error = await loadBackbone(dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CorruptFileError);
      expect((error as CorruptFileError).path).toBe(path);
      expect((error as Error).message).toMatch(message);
    };
    await expectCorrupt(good.slice(0, good.length / 2), /not valid JSON/);
    const json = JSON.parse(good);
    await expectCorrupt(JSON.stringify({ ...json, version: 9 }), /version 1/);
    const shifted = structuredClone(json);
    shifted.tensors[1].offset += 4;
    await expectCorrupt(JSON.stringify(shifted), /inconsistent shape, offset/);
    const reshaped = structuredClone(json);
    reshaped.tensors[0].shape = [3, 3, 4, 1];
    await expectCorrupt(JSON.stringify(reshaped), /expects float32 \[3, 3, 1, 4\]/);
    const unknownArch = structuredClone(json);
    unknownArch.architecture.name = 'resnet19';
    await expectCorrupt(JSON.stringify(unknownArch), /cannot be built/);
  });

  it('loading into a backbone of another architecture fails and leaves it unchanged', async () => {
    const dir = await savedCopy('mismatch');
    const wider = createBackbone('small-resnet', { ...tiny, widths: [4, 8, 16], seed: 5 });
    const before = await outputs(wider);
    const error = await loadBackboneWeights(wider, dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptFileError);
    expect((error as CorruptFileError).path).toBe(join(dir, 'backbone.json'));
    expect((error as Error).message).toMatch(/does not match the backbone/);
    expect(await outputs(wider)).toEqual(before);
    wider.dispose();
  });

  it('a directory without a save is an InvalidArgumentError', async () => {
    await expect(loadBackbone(join(root, 'nothing-here'))).rejects.toThrow(InvalidArgumentError);
  });
});
