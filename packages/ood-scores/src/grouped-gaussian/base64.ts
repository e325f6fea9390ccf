import { InvalidArgumentError } from '@hvcm/metrics';

/** Little-endian float64 values as base64 (exact round trip; ~10.7 characters per value vs ~20 as JSON numbers). */
export function float64ToBase64(values: Float64Array): string {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i] ?? 0, true);
  return Buffer.from(bytes).toString('base64');
}

/** Inverse of {@link float64ToBase64}; `expected` values, else `InvalidArgumentError` naming `field`. */
export function base64ToFloat64(text: unknown, expected: number, field: string): Float64Array {
  if (typeof text !== 'string') throw new InvalidArgumentError(`${field}: expected a base64 string of float64 values, got ${typeof text}.`);
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== expected * 8) {
    throw new InvalidArgumentError(`${field}: expected ${expected} float64 values (${expected * 8} bytes), got ${bytes.length} bytes.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(expected);
  for (let i = 0; i < expected; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}
