import { readFile } from 'node:fs/promises';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { CorruptFileError } from '@hvcm/metrics';
import { DatasetNotFoundError } from '../errors/dataset-not-found-error';

const gunzipAsync = promisify(gunzip);

/**
 * Reads a whole file, gunzipping it when it starts with the gzip magic bytes (1f 8b), whatever
 * its name. A missing file is a `DatasetNotFoundError`; a broken gzip stream a `CorruptFileError`.
 */
export async function readFileBytes(path: string, hint = ''): Promise<Uint8Array> {
  let raw: Buffer;
  try {
    raw = await readFile(path);
  } catch (error) {
    if (isNotFound(error)) {
      throw new DatasetNotFoundError(path, `expected a file here, found none.${hint ? ` ${hint}` : ''}`, {
        cause: error,
      });
    }
    throw new CorruptFileError(path, `could not read the file: ${(error as Error).message}`, { cause: error });
  }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      const inflated = await gunzipAsync(raw);
      return new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength);
    } catch (error) {
      throw new CorruptFileError(
        path,
        `starts like a gzip file but does not inflate (${(error as Error).message}); the file is probably truncated. Download it again.`,
        { cause: error },
      );
    }
  }
  return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
}

/** True for ENOENT / ENOTDIR errors from node:fs. */
export function isNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
