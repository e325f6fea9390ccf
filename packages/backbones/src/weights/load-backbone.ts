import * as tf from '@tensorflow/tfjs-core';
import { CorruptFileError, InvalidArgumentError } from '@hvcm/metrics';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { Backbone, BackboneOptions, ResolvedBackboneOptions } from '../models/backbone';
import { createBackbone, resolveBackboneOptions } from '../registry';
import { crc32 } from './crc32';
import {
  FORMAT_NAME,
  FORMAT_VERSION,
  METADATA_FILE,
  WEIGHTS_FILE,
  type TensorEntry,
  type WeightsMetadata,
} from './weights-format';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Reads and checks `backbone.json`; every problem is a `CorruptFileError` naming the file. */
export async function readWeightsMetadata(directory: string): Promise<WeightsMetadata> {
  const path = join(directory, METADATA_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new InvalidArgumentError(
        `no saved backbone in ${directory}: ${METADATA_FILE} not found; save one with saveBackbone(backbone, directory)`,
        { cause: error },
      );
    }
    throw error;
  }
  const bad = (what: string): CorruptFileError =>
    new CorruptFileError(path, `${what}; re-save the backbone with saveBackbone()`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new CorruptFileError(path, `not valid JSON (${(error as Error).message}); re-save the backbone`, {
      cause: error,
    });
  }
  if (!isRecord(raw) || raw.format !== FORMAT_NAME) throw bad(`expected "format": "${FORMAT_NAME}"`);
  if (raw.version !== FORMAT_VERSION) {
    throw bad(`expected format version ${FORMAT_VERSION}, got ${JSON.stringify(raw.version)}`);
  }
  const arch = raw.architecture;
  if (!isRecord(arch) || typeof arch.name !== 'string' || !isRecord(arch.options)) {
    throw bad('expected "architecture": { "name": string, "options": object }');
  }
  const w = raw.weights;
  if (
    !isRecord(w) ||
    typeof w.file !== 'string' ||
    !isCount(w.byteLength) ||
    !isCount(w.crc32) ||
    w.byteOrder !== 'little-endian'
  ) {
    throw bad('expected "weights": { file, byteLength, crc32, byteOrder: "little-endian" }');
  }
  if (w.file !== WEIGHTS_FILE) throw bad(`expected weights file "${WEIGHTS_FILE}", got "${w.file}"`);
  if (!Array.isArray(raw.tensors)) throw bad('expected "tensors" to be an array');
  let expectedOffset = 0;
  const seen = new Set<string>();
  for (const [i, t] of (raw.tensors as unknown[]).entries()) {
    if (
      !isRecord(t) ||
      typeof t.name !== 'string' ||
      (t.kind !== 'parameter' && t.kind !== 'buffer') ||
      !Array.isArray(t.shape) ||
      !t.shape.every(isCount) ||
      (t.dtype !== 'float32' && t.dtype !== 'int32') ||
      !isCount(t.offset) ||
      !isCount(t.byteLength)
    ) {
      throw bad(`tensor entry ${i} is malformed`);
    }
    const size = (t.shape as number[]).reduce((a, b) => a * b, 1);
    if (t.byteLength !== size * 4 || t.offset !== expectedOffset || seen.has(t.name)) {
      throw bad(`tensor "${t.name}" has an inconsistent shape, offset or byte length, or is listed twice`);
    }
    seen.add(t.name);
    expectedOffset += t.byteLength;
  }
  if (expectedOffset !== w.byteLength) {
    throw bad(`tensors cover ${expectedOffset} bytes but the weights file is declared as ${w.byteLength}`);
  }
  return raw as unknown as WeightsMetadata;
}

/** Reads `weights.bin` and checks its length and CRC-32 against the metadata. */
async function readWeightsData(directory: string, metadata: WeightsMetadata): Promise<Uint8Array> {
  const path = join(directory, WEIGHTS_FILE);
  let data: Uint8Array;
  try {
    data = new Uint8Array(await readFile(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CorruptFileError(path, `missing, though ${METADATA_FILE} refers to it; re-save the backbone`, {
        cause: error,
      });
    }
    throw error;
  }
  if (data.byteLength !== metadata.weights.byteLength) {
    throw new CorruptFileError(
      path,
      `expected ${metadata.weights.byteLength} bytes, found ${data.byteLength} (` +
        `${data.byteLength < metadata.weights.byteLength ? 'truncated' : 'trailing bytes'}); re-save the backbone`,
    );
  }
  const sum = crc32(data);
  if (sum !== metadata.weights.crc32) {
    throw new CorruptFileError(
      path,
      `CRC-32 is ${sum.toString(16)}, expected ${metadata.weights.crc32.toString(16)}: the file is corrupt; re-save the backbone`,
    );
  }
  return data;
}

/** Whether saved options describe the same architecture as `current` (both resolved the same way). */
function sameArchitecture(name: string, saved: ResolvedBackboneOptions, current: ResolvedBackboneOptions): boolean {
  // The seed only chose the initial weights, which the file replaces.
  const strip = ({ seed: _seed, ...rest }: ResolvedBackboneOptions): string => JSON.stringify(rest);
  try {
    return strip(resolveBackboneOptions(name, asOptions(saved))) === strip(current);
  } catch {
    return false;
  }
}

const asOptions = (o: ResolvedBackboneOptions): BackboneOptions => ({ ...o, seed: o.seed ?? undefined });

function assignAll(backbone: Backbone, entries: readonly TensorEntry[], data: Uint8Array, path: string): void {
  const expected = backbone.parameters.size + backbone.buffers.size;
  if (entries.length !== expected) {
    throw new CorruptFileError(path, `holds ${entries.length} tensors, the backbone has ${expected}`);
  }
  // Check everything before assigning anything, so that a bad file leaves the backbone untouched.
  const targets = entries.map((e) => {
    const v = (e.kind === 'parameter' ? backbone.parameters : backbone.buffers).get(e.name);
    if (v === undefined) throw new CorruptFileError(path, `has ${e.kind} "${e.name}", which the backbone lacks`);
    if (v.shape.length !== e.shape.length || v.shape.some((d, i) => d !== e.shape[i]) || v.dtype !== e.dtype) {
      throw new CorruptFileError(
        path,
        `"${e.name}" is ${e.dtype} [${e.shape.join(', ')}], the backbone expects ${v.dtype} [${v.shape.join(', ')}]`,
      );
    }
    return v;
  });
  // One aligned copy of the file (its Buffer may start at any byte offset).
  const aligned = new Uint8Array(data.byteLength);
  aligned.set(data);
  entries.forEach((e, i) => {
    const count = e.byteLength / 4;
    const values =
      e.dtype === 'float32'
        ? new Float32Array(aligned.buffer, e.offset, count)
        : new Int32Array(aligned.buffer, e.offset, count);
    tf.tidy(() => (targets[i] as tf.Variable).assign(tf.tensor(values, e.shape as number[], e.dtype)));
  });
}

/**
 * Loads weights saved by `saveBackbone` into an existing `backbone`, which must have the saved
 * architecture (registry name and options, the seed aside). A missing, truncated, corrupt (CRC-32) or
 * mismatched file throws `CorruptFileError` naming it, and the backbone is left unchanged.
 */
export async function loadBackboneWeights(backbone: Backbone, directory: string): Promise<void> {
  const metadata = await readWeightsMetadata(directory);
  const metadataPath = join(directory, METADATA_FILE);
  const { name, options } = metadata.architecture;
  if (name !== backbone.name || !sameArchitecture(name, options, backbone.options)) {
    throw new CorruptFileError(
      metadataPath,
      `holds ${name} ${JSON.stringify(options)}, which does not match the backbone ` +
        `${backbone.name} ${JSON.stringify(backbone.options)}; build the backbone with the saved options or use loadBackbone()`,
    );
  }
  const data = await readWeightsData(directory, metadata);
  assignAll(backbone, metadata.tensors, data, metadataPath);
}

/**
 * Rebuilds a backbone from `directory` (see `saveBackbone`): the registry builds the saved
 * architecture, then the saved weights replace the initial ones. Outputs equal the saved model's
 * exactly on the same backend.
 */
export async function loadBackbone(directory: string): Promise<Backbone> {
  const metadata = await readWeightsMetadata(directory);
  const { name, options } = metadata.architecture;
  let backbone: Backbone;
  try {
    backbone = createBackbone(name, asOptions(options));
  } catch (error) {
    throw new CorruptFileError(
      join(directory, METADATA_FILE),
      `its architecture cannot be built (${(error as Error).message})`,
      { cause: error },
    );
  }
  try {
    await loadBackboneWeights(backbone, directory);
  } catch (error) {
    backbone.dispose();
    throw error;
  }
  return backbone;
}
