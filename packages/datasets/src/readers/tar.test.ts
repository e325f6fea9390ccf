import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CorruptFileError } from '@hvcm/metrics';
import { DatasetNotFoundError } from '../errors/dataset-not-found-error';
import { loadCifar10 } from './cifar';
import { readTarEntries } from './tar';
import { makeTempDir, writeBytes } from './test-helpers';

// Two archives made with GNU tar 1.34 from a folder cifar-10-batches-bin/ holding test_batch.bin
// (2 CIFAR-10 records: labels 1, 2; pixel (y, x, c) of record r = ((r + 100) * 7 + 3y + 5x + 11c) mod 256,
// written planar by a NumPy script) and batches.meta.txt (names a0..a9):
//   tar --format=gnu -czf c10.tgz cifar-10-batches-bin
//   tar --format=pax -cf c10-pax.tar cifar-10-batches-bin && gzip -9 c10-pax.tar
// then base64 -w0.
const GNU_TGZ = 'H4sIAAAAAAAAA+3ZZVBUURgG4LX12t26di7ejbuL3d3d4gFWQST3KqgoKIqFWCAIBgiC3S0YCBjY3d3dXSvjLwa/d0YRxvG8f+7dmNn3zpnnzPlmbeyHMDeVWlRZM9nGzmhSWds71VGkbURzDJKUfDUn5TX5Xi1pRZ1k0Gt0OoWo1mp0kkIppXGPVDPCJDM3pVLh5uwsU99Dn/+jsUlt/X/eWzgaZWYhe/zpc/9YYP2Pdf3V+msNKdZfrzVflGKaPCHIf77+TBSYWmAagWkFphOYJDC9wAwCsxRYXUHI6Ho8fzmp+peNJtkq+Q0L88s//g3av1onipqU/kWJ+0+XZIrZm5h0/MzFa7cfPH31/kvmHHkKFiutrFKzjq5uo+ZtOnbrvTv+4NFT56/cvPf4xdtPimxC/iIly1WqrtIYGjRt1b5Lz35x+w+fOHvp+p2Hz15/+JolZ95CxctUqFpLlOo1btG2U/c+AxMOHTt94eqt+09evvucKXvuAkVLla9cw0Jr2bBZ6w5de/UffODIyXOXb9x99PzNx29Zc+UrXKJsxWq11fr6TVq269yj7yAbstwANoQsZ2VrT5azHjqcLGcc5kyWs3N0I8s5uIwgyzmZPMhyriPHkOXkUePIcu6e48lyo70mkuXGTphMlvOeNI0s5zNlBlnOd/osstxU/7lkOb/Z88hyMwPmk+XmBC0gywWGLCbLBS9cQpYLDVtKllsUsYwsFx61kiwXuXwNWS561Xqy3Iq1mwBfa8DXCPjaAb4OgK8T4OsK+MqArzvgOxrwHQv4egO+PoCvL+A7FfD1A3xnAr5zAN9AwDcY8A0FfBcBvuGAbyTgGw34rgB8VwO+6wDfjYDvFsB3O1luw9YYstzmHbsBX0fA1wXwNQG+IwHfUYCvJ+DrBfhOAHwnAb5TAN/pgK8/4Dsb8A0AfIMA3xDAdyHgGwb4RgC+UYDvcsB3FeC7FvDdAPhuBny3Ab47Ad9dgO9ewDeeLBcbt58styfhUOZ94AROjwcDGD0eWNmC88VQcL4YxjcovkHxDervbVB8gOYDNB+gf3+ABny3Ar47AN9YwHcPOF/sA+eLRD5A8wGaD9C/P0ADvnGAbwLgewDwTaLHg4NH6fHg8ImM/geCh4eHh4eHJ73zHSMRjDQAKAAA';
const PAX_TAR_GZ = 'H4sICKT8EmsCA2MxMC1wYXgudGFyAO3Zd3AUZRgG8AtYYBVBRBFFCCggai67t7u3ORSkC9IFpInwJRxpXAJ3C4Tee5MmvSNdKRKCAQQCCQQQjY2iFAWV3gRpil4y/AE38D5whmMyeZ9/LpPdm3syN793v3diDW0oEmo5RTun2xMaEd1euEMUOSRcmBFRTk9IeHSc5f9H9sauaVmv3vi+yopqsyi6Kmu6Ybdl3qeohqxbghMsAUhnjync3iqW3BlVDnaZ0S5nRcVw2DXv16TarYZNUxw2h+yQvFeF79UwWQ5z6KqRdTXi7u+1cHJA7kQ+NJs/I9O4oet39Z/58+3+NV3z+tcD6d8dH29S96Hrvn9cTv7+b3kk3Py11eU0hdVMMAMz/+3eMcLz/yHO/6wJb/dv/t98L8/WHOs/O9Dfh39ZNXz8G5m3B8uB9J9L57+QJaFIwiYJVRKaJHRJ2CVhSCJMEg6JEedK/7c8/02nx2yTdc3q9zLox/Nf844Efv7z/sd5GP6zA/09+1c0Wfb1b6g6P/8DkqD1m9N2fvPD/kNHj5/588o/eR5/8unnXgwu81qo5qhUrVa995pt3Jq++7u9B37949T5v65bHpUKFilW4uVXQ2zGW1Vq1mnYtGXKtl0ZP/50+LcTZy9evZE3X4HCRYuXKvu6rFd4u3rt+o2bt07d8fX3+w4eOXb6wuW/gx57otCzL5R8pbxVDatY9Z26jd5v1Xb7V9/u+fmX30+eu3Tt30fyP/XM8y+VLveGYn+zco13GzRp8WEEWe4D0Z4s16ZdNFkuPLIDWc4ZE0+Wi3K5yXKxHTuT5eI8CWS5Tl16kOXMbr3Jcl179iPLde8zkCzXq/8QslzfQcPJcgOGjiLLDR7xEVlu2OjxZLmRYz8my42ZMIUsN27SdLLcxKmzyHKTZ8wly02b/QlZbua8RWS5OQuWkuXmL/6MLLdw2Uqy3JLlqwHfcMDXCfhGAb6xgG8c4NsJ8DUB366Ab3fAtxfg2xfwHQD4DgZ8hwG+IwHfMYDvOMB3IuA7GfCdBvjOBHznAL7zAd+FgO8SwPdTwHcF4Ps54LsG8P2CLLcqaT1ZLjF5I+DrAnw7Ar4ewLcL4NsN8O0J+PYBfPsDvoMA36GA7wjAdzTgOxbwnQD4TgJ8pwK+MwDf2YDvPMB3AeC7GPBdBvguB3xXAb6JgO9awHcd4Psl4LsZ8N1KltuQso0styl1R54t4ASeBk7g6eAEDs4XkeB8EcMDigcUD6gHN6B4geYFmhdo/xdowDcJ8E0GfDcAvpvA+WILOF+k8QLNCzQv0P4v0IBvCuCbCvhuB3x30utB+m56PdiVwf8D43A4HA6Hw+FwOBwOh8PhcDgcDofD4XA4HA6Hw+Fwcmr+A/CKz1AAUAAA';

function expectedPixels(): number[] {
  const out: number[] = [];
  for (let r = 0; r < 2; r += 1) {
    for (let y = 0; y < 32; y += 1) {
      for (let x = 0; x < 32; x += 1) {
        for (let c = 0; c < 3; c += 1) out.push(((r + 100) * 7 + y * 3 + x * 5 + c * 11) % 256);
      }
    }
  }
  return out;
}

describe('CIFAR from the downloaded archive', () => {
  for (const [kind, b64, file] of [
    ['GNU tar.gz', GNU_TGZ, 'cifar-10-binary.tar.gz'],
    ['pax tar.gz', PAX_TAR_GZ, 'c10-pax.tar.gz'],
  ] as const) {
    it(`reads test_batch.bin and the class names straight from a ${kind}`, async () => {
      const { dir, cleanup } = await makeTempDir('tar');
      try {
        const path = join(dir, file);
        await writeBytes(path, Buffer.from(b64, 'base64'));
        const ds = await loadCifar10({ directory: path, split: 'test' });
        expect(Array.from(ds.labels)).toEqual([1, 2]);
        expect(Array.from(ds.images)).toEqual(expectedPixels());
        expect(ds.classNames).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9']);
        const missing = await loadCifar10({ directory: path, split: 'train' }).catch((e: unknown) => e);
        expect(missing).toBeInstanceOf(DatasetNotFoundError);
        expect((missing as Error).message).toMatch(/expected data_batch_1\.bin inside this archive, found .*test_batch\.bin/);
      } finally {
        await cleanup();
      }
    });
  }

  it('rejects truncated archives and files that are not tar', () => {
    const tar = new Uint8Array(gunzipSync(Buffer.from(GNU_TGZ, 'base64')));
    const entries = readTarEntries(tar);
    expect([...entries.keys()].sort()).toEqual(['cifar-10-batches-bin/batches.meta.txt', 'cifar-10-batches-bin/test_batch.bin']);
    expect(entries.get('cifar-10-batches-bin/test_batch.bin')!.length).toBe(2 * 3073);
    expect(() => readTarEntries(tar.subarray(0, 3000), 'x.tar')).toThrow(CorruptFileError);
    expect(() => readTarEntries(tar.subarray(0, 3000), 'x.tar')).toThrow(/truncated archive/);
    expect(() => readTarEntries(new Uint8Array(1024).fill(65), 'y.tar')).toThrow(/expected a tar header at byte 0/);
  });
});
