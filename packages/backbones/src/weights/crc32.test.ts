import { describe, expect, it } from 'vitest';

import { crc32 } from './crc32';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('crc32', () => {
  // Reference values: python3 -c "import zlib; print(zlib.crc32(b'123456789'), zlib.crc32(b'The quick brown fox jumps over the lazy dog'))"
  it('matches zlib on the standard check values', () => {
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
    expect(crc32(ascii('The quick brown fox jumps over the lazy dog'))).toBe(1095738169);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('continues a running checksum over chunks', () => {
    const all = ascii('The quick brown fox jumps over the lazy dog');
    expect(crc32(all.subarray(10), crc32(all.subarray(0, 10)))).toBe(crc32(all));
  });
});
