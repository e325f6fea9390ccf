import { CorruptFileError } from '@hvcm/metrics';

const BLOCK = 512;

/**
 * The regular files of a tar archive (ustar / GNU / pax headers), as a map from the entry path
 * to its bytes (views into `bytes`, no copy). Enough to read the CIFAR archives without
 * extracting them. `path` only names the archive in errors.
 */
export function readTarEntries(bytes: Uint8Array, path = '<buffer>'): Map<string, Uint8Array> {
  const entries = new Map<string, Uint8Array>();
  const decoder = new TextDecoder();
  const text = (start: number, length: number): string => {
    const field = bytes.subarray(start, start + length);
    const end = field.indexOf(0);
    return decoder.decode(end < 0 ? field : field.subarray(0, end));
  };
  let offset = 0;
  let longName: string | undefined;
  while (offset + BLOCK <= bytes.length) {
    const header = bytes.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) return entries; // end-of-archive marker
    let checksum = 0;
    for (let i = 0; i < BLOCK; i += 1) checksum += i >= 148 && i < 156 ? 32 : (header[i] as number);
    const stored = parseInt(text(offset + 148, 8).trim(), 8);
    if (stored !== checksum) {
      throw new CorruptFileError(
        path,
        `expected a tar header at byte ${offset} (checksum ${checksum}), found checksum field ${text(offset + 148, 8).trim() || 'empty'}. ` +
          'Is this a .tar / .tar.gz archive?',
      );
    }
    const size = parseInt(text(offset + 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] as number);
    const prefix = text(offset + 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${text(offset, 100)}` : text(offset, 100));
    longName = undefined;
    const dataStart = offset + BLOCK;
    if (dataStart + size > bytes.length) {
      throw new CorruptFileError(
        path,
        `truncated archive: entry ${name} needs ${size} bytes from byte ${dataStart}, the file has ${bytes.length}.`,
      );
    }
    const data = bytes.subarray(dataStart, dataStart + size);
    if (type === 'L') {
      longName = decoder.decode(data).replace(/\0+$/, '');
    } else if (type === 'x') {
      const match = /\d+ path=([^\n]*)\n/.exec(decoder.decode(data));
      if (match) longName = match[1];
    } else if (type === '0' || type === '\0') {
      entries.set(name, data);
    }
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  if (offset < bytes.length || offset === 0) {
    throw new CorruptFileError(path, `truncated archive: ${bytes.length} bytes is not a whole number of 512-byte tar blocks.`);
  }
  return entries;
}
