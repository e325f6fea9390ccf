import { mkdir } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';

import type { Backbone } from '../models/backbone';
import { writeFileAtomic } from './atomic-write';
import { crc32 } from './crc32';
import {
  FORMAT_NAME,
  FORMAT_VERSION,
  METADATA_FILE,
  WEIGHTS_FILE,
  type TensorEntry,
  type WeightsMetadata,
} from './weights-format';

/**
 * Saves a backbone's architecture and every parameter and buffer to `directory` (created if needed):
 * `backbone.json` (metadata) and `weights.bin` (raw little-endian tensors). Both files are written
 * atomically, the binary first, so a reader never sees metadata that points at a half-written file;
 * a crash between the two renames leaves a new `weights.bin` whose CRC-32 the old metadata rejects.
 * No native module (tfjs-node) is needed. Returns the metadata written.
 */
export async function saveBackbone(backbone: Backbone, directory: string): Promise<WeightsMetadata> {
  if (endianness() !== 'LE') throw new Error('saveBackbone: big-endian hosts are not supported');
  const named = [
    ...[...backbone.parameters].map(([name, v]) => ({ name, v, kind: 'parameter' as const })),
    ...[...backbone.buffers].map(([name, v]) => ({ name, v, kind: 'buffer' as const })),
  ];
  const chunks: Uint8Array[] = [];
  const tensors: TensorEntry[] = [];
  let offset = 0;
  for (const { name, v, kind } of named) {
    if (v.dtype !== 'float32' && v.dtype !== 'int32') {
      throw new Error(`saveBackbone: ${name} has dtype ${v.dtype}; only float32 and int32 are stored`);
    }
    const values = (await v.data()) as Float32Array | Int32Array;
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    chunks.push(bytes);
    tensors.push({ name, kind, shape: [...v.shape], dtype: v.dtype, offset, byteLength: bytes.byteLength });
    offset += bytes.byteLength;
  }
  const data = new Uint8Array(offset);
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.byteLength;
  }
  const metadata: WeightsMetadata = {
    format: FORMAT_NAME,
    version: FORMAT_VERSION,
    architecture: { name: backbone.name, options: backbone.options },
    weights: { file: WEIGHTS_FILE, byteLength: data.byteLength, crc32: crc32(data), byteOrder: 'little-endian' },
    tensors,
  };
  await mkdir(directory, { recursive: true });
  await writeFileAtomic(join(directory, WEIGHTS_FILE), data);
  await writeFileAtomic(join(directory, METADATA_FILE), `${JSON.stringify(metadata, null, 2)}\n`);
  return metadata;
}
