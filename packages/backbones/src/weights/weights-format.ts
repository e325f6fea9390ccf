import type { ResolvedBackboneOptions } from '../models/backbone';

/** Name of the metadata file inside a weights directory. */
export const METADATA_FILE = 'backbone.json';
/** Name of the binary file inside a weights directory. */
export const WEIGHTS_FILE = 'weights.bin';
export const FORMAT_NAME = 'hvcm-backbone-weights';
export const FORMAT_VERSION = 1;

/** Where one tensor lives in the binary file. */
export interface TensorEntry {
  /** torchvision-style name, e.g. `layer1.0.bn1.running_mean`. */
  readonly name: string;
  /** `parameter` (trainable) or `buffer` (BatchNorm moving statistic). */
  readonly kind: 'parameter' | 'buffer';
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'int32';
  /** Byte offset into the binary file (a multiple of 4). */
  readonly offset: number;
  readonly byteLength: number;
}

/**
 * Contents of `backbone.json`: the architecture (registry name + resolved options, enough to rebuild
 * the model) and the layout of `weights.bin` (little-endian, tensors back to back), with its length
 * and CRC-32 so that truncation and corruption are detected before any value is used.
 */
export interface WeightsMetadata {
  readonly format: typeof FORMAT_NAME;
  readonly version: typeof FORMAT_VERSION;
  readonly architecture: { readonly name: string; readonly options: ResolvedBackboneOptions };
  readonly weights: {
    readonly file: string;
    readonly byteLength: number;
    readonly crc32: number;
    readonly byteOrder: 'little-endian';
  };
  readonly tensors: readonly TensorEntry[];
}
