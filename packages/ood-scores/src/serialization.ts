import { InvalidArgumentError } from '@hvcm/metrics';
import type { SerializedDetector } from './detector';

/**
 * Checks that `json` is a serialised detector of the given `kind` and `version`. Throws
 * `InvalidArgumentError` saying what was expected otherwise.
 */
export function checkSerialized(json: unknown, kind: string, version: number): SerializedDetector {
  if (typeof json !== 'object' || json === null) {
    throw new InvalidArgumentError(`${kind}.fromJSON: expected an object {kind: "${kind}", version: ${version}, ...}, got ${json === null ? 'null' : typeof json}.`);
  }
  const record = json as Record<string, unknown>;
  if (record.kind !== kind) {
    throw new InvalidArgumentError(`${kind}.fromJSON: expected kind "${kind}", got ${JSON.stringify(record.kind)}. Use detectorFromJSON to dispatch on kind.`);
  }
  if (record.version !== version) {
    throw new InvalidArgumentError(`${kind}.fromJSON: expected layout version ${version}, got ${JSON.stringify(record.version)}.`);
  }
  return record as SerializedDetector;
}

/** A finite number field of a serialised detector. */
export function readNumber(json: SerializedDetector, key: string): number {
  const value = json[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidArgumentError(`${json.kind}.fromJSON: field "${key}" must be a finite number, got ${JSON.stringify(value)}.`);
  }
  return value;
}

/** A numeric array field of a serialised detector, with its expected length. */
export function readNumbers(json: SerializedDetector, key: string, length?: number): number[] {
  const value = json[key];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw new InvalidArgumentError(`${json.kind}.fromJSON: field "${key}" must be an array of finite numbers.`);
  }
  if (length !== undefined && value.length !== length) {
    throw new InvalidArgumentError(`${json.kind}.fromJSON: field "${key}" must have ${length} numbers, got ${value.length}.`);
  }
  return value as number[];
}

/** Typed array to a plain array for JSON. float32/float64 values survive JSON exactly (shortest round-trip printing). */
export function toNumbers(values: Float32Array | Float64Array): number[] {
  return Array.from(values);
}
