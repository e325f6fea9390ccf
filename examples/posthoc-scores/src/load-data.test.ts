import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadPosthocData, parseJsonData } from './load-data';
import { encodeNpy, parseNpy } from './npy';
import { detectorPlans, logitsOf } from './plans';
import { generateDemo } from './generate-demo';

const here = dirname(fileURLToPath(import.meta.url));

describe('posthoc example loader', () => {
  it('parses the committed demo file', () => {
    const data = loadPosthocData(resolve(here, '../data/demo.json'));
    expect(data.train.rows).toBe(1000);
    expect(data.train.features?.shape).toEqual([1000, 16]);
    expect(data.train.logits?.shape).toEqual([1000, 10]);
    expect(data.train.labels?.length).toBe(1000);
    expect(new Set(data.train.labels).size).toBe(10);
    expect(data.testId.rows).toBe(300);
    expect(data.testOod.features?.shape).toEqual([300, 16]);
    expect(data.linear?.weight.shape).toEqual([16, 10]);
    expect(data.linear?.bias.length).toBe(10);
    // The stored logits are features @ weight + bias (rounded to 1e-4 in the file).
    const computed = logitsOf({ rows: 1000, features: data.train.features! }, data.linear)!;
    const stored = data.train.logits!.data;
    const got = (computed as { data: Float32Array }).data;
    for (let i = 0; i < 50; i++) expect(Math.abs((got[i] ?? 0) - (stored[i] ?? 0))).toBeLessThan(5e-3);
    // Every registry detector can run on it.
    expect(detectorPlans(data, { k: 50 }).filter((p) => p.skip !== undefined)).toEqual([]);
  });

  it('the demo file is what the generator writes, and small', () => {
    const text = JSON.stringify(generateDemo());
    expect(text.length).toBeLessThan(1_000_000);
    expect(parseJsonData(text).testOod.rows).toBe(300);
  });

  it('reports what is wrong in a JSON file', () => {
    expect(() => parseJsonData('{"train": {"features": [[1, 2], [3]]}}')).toThrow(/row 1 has 1 values, expected 2/);
    expect(() => parseJsonData('{"train": {"features": [[1, 2]]}}')).toThrow(/labels: missing/);
    expect(() =>
      parseJsonData('{"train": {"features": [[1, 2]], "logits": [[1], [2]], "labels": [0]}, "testId": {}, "testOod": {}}'),
    ).toThrow(/disagree in rows/);
  });

  it('reads a directory of .npy files (float32 and int32) and round-trips the .npy encoding', () => {
    const npy = parseNpy(encodeNpy([1.5, -2, 3.25, 4, 5, 6], [2, 3], '<f4'));
    expect(npy.shape).toEqual([2, 3]);
    expect(Array.from(npy.data)).toEqual([1.5, -2, 3.25, 4, 5, 6]);
    const dir = mkdtempSync(join(tmpdir(), 'posthoc-npy-'));
    try {
      writeFileSync(join(dir, 'train_features.npy'), encodeNpy([0, 1, 2, 3, 4, 5], [3, 2], '<f4'));
      writeFileSync(join(dir, 'train_labels.npy'), encodeNpy([0, 1, 0], [3], '<i4'));
      writeFileSync(join(dir, 'test_id_features.npy'), encodeNpy([1, 1], [1, 2], '<f4'));
      writeFileSync(join(dir, 'test_ood_features.npy'), encodeNpy([9, 9], [1, 2], '<f4'));
      writeFileSync(join(dir, 'linear_weight.npy'), encodeNpy([1, 0, 0, 1], [2, 2], '<f4'));
      writeFileSync(join(dir, 'linear_bias.npy'), encodeNpy([0.5, -0.5], [2], '<f4'));
      const data = loadPosthocData(dir);
      expect(Array.from(data.train.labels!)).toEqual([0, 1, 0]);
      expect(data.testOod.features?.shape).toEqual([1, 2]);
      // No logits files: computed from features and the final layer.
      const logits = logitsOf(data.testOod, data.linear) as { data: Float32Array };
      expect(Array.from(logits.data)).toEqual([9.5, 8.5]);
      expect(() => parseNpy(new Uint8Array(20))).toThrow(/not a \.npy file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
