import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createRng } from '../random/index';
import { defaultBlurKernelSize, gaussianBlur, gaussianKernel1d, randomGaussianBlur } from './gaussian-blur';
import { dinoMultiCrop } from './multi-crop';
import { IMAGENET_MEAN, IMAGENET_STD } from './normalize';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function expectClose(got: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(got.length).toBe(expected.length);
  for (let i = 0; i < got.length; i += 1) {
    if (Math.abs((got[i] as number) - (expected[i] as number)) > tol) {
      throw new Error(`index ${i}: got ${got[i]}, expected ${expected[i]} (tolerance ${tol})`);
    }
  }
}

describe('Gaussian blur', () => {
  it('kernel sums to 1, is symmetric and follows exp(-x^2 / 2 sigma^2)', () => {
    const k = gaussianKernel1d(13, 1.3);
    expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    for (let i = 0; i < 13; i += 1) {
      expect(k[i]).toBe(k[12 - i]);
      expect(k[i]! / k[6]!).toBeCloseTo(Math.exp(-0.5 * ((i - 6) / 1.3) ** 2), 6);
    }
    expect(defaultBlurKernelSize(2)).toBe(13);
    expect(() => gaussianKernel1d(4, 1)).toThrow(/odd/);
  });

  it('leaves a constant image unchanged and blurs an impulse into the kernel outer product, per-sample sigma', () => {
    const before = tf.memory().numTensors;
    const constant = tf.fill([2, 9, 9, 3], 0.3) as tf.Tensor4D;
    const flat = gaussianBlur(constant, [0.4, 1.9], 7);
    expectClose(flat.dataSync(), new Array(2 * 81 * 3).fill(0.3), 1e-6);
    const impulse = new Float32Array(2 * 15 * 15);
    impulse[7 * 15 + 7] = 1;
    impulse[225 + 7 * 15 + 7] = 1;
    const img = tf.tensor4d(impulse, [2, 15, 15, 1]);
    const sigmas = [0.5, 1.5];
    const blurred = gaussianBlur(img, sigmas, 7);
    const out = blurred.dataSync();
    for (let s = 0; s < 2; s += 1) {
      const k = gaussianKernel1d(7, sigmas[s]!);
      const expected = new Float32Array(225);
      for (let dy = -3; dy <= 3; dy += 1)
        for (let dx = -3; dx <= 3; dx += 1) expected[(7 + dy) * 15 + 7 + dx] = k[dy + 3]! * k[dx + 3]!;
      expectClose(out.subarray(225 * s, 225 * (s + 1)), expected, 1e-6);
    }
    tf.dispose([constant, flat, img, blurred]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('pads by reflection (torchvision): an edge impulse is not doubled', () => {
    // Rows [1, 0, 0, 0, 0]; kernel [a, b, a]. Reflect pads with x[1] = 0, so out = [b, a, 0, 0, 0].
    const before = tf.memory().numTensors;
    const row = [1, 0, 0, 0, 0];
    const img = tf.tensor4d([...row, ...row, ...row], [1, 3, 5, 1]);
    const out = gaussianBlur(img, 1, 3);
    const [a, b] = gaussianKernel1d(3, 1);
    expectClose(out.dataSync().subarray(5, 10), [b!, a!, 0, 0, 0], 1e-6);
    tf.dispose([img, out]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('randomGaussianBlur: each blurred sample uses its own sigma and a 2 ceil(3 sigma) + 1 kernel', () => {
    const before = tf.memory().numTensors;
    const n = 12;
    const img = tf.randomUniform([n, 30, 30, 3], 0, 1, 'float32', 11) as tf.Tensor4D;
    const out = randomGaussianBlur({ p: 0.7, sigma: [0.1, 2] })(img, createRng(4));
    // Replay the draws: Bernoulli(p), then sigma for the chosen samples.
    const rng = createRng(4);
    const got = out.dataSync();
    const src = img.dataSync();
    let blurredCount = 0;
    for (let s = 0; s < n; s += 1) {
      const part = got.subarray(s * 2700, (s + 1) * 2700);
      if (rng.next() < 0.7) {
        const sigma = rng.uniform(0.1, 2);
        const one = tf.slice(img, [s, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
        const ref = gaussianBlur(one, sigma, defaultBlurKernelSize(sigma));
        expectClose(part, ref.dataSync(), 1e-6);
        tf.dispose([one, ref]);
        blurredCount += 1;
      } else {
        expect(Array.from(part)).toEqual(Array.from(src.subarray(s * 2700, (s + 1) * 2700)));
      }
    }
    expect(blurredCount).toBeGreaterThan(0);
    expect(blurredCount).toBeLessThan(n);
    tf.dispose([img, out]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('randomGaussianBlur(p = 0) is identity; p = 1 changes every non-constant sample', () => {
    const before = tf.memory().numTensors;
    const img = tf.randomUniform([4, 16, 16, 3], 0, 1, 'float32', 8) as tf.Tensor4D;
    const none = randomGaussianBlur({ p: 0 })(img, createRng(1));
    expect(Array.from(none.dataSync())).toEqual(Array.from(img.dataSync()));
    const all = randomGaussianBlur({ p: 1, sigma: [1, 2] })(img, createRng(1));
    const src = img.dataSync();
    const got = all.dataSync();
    for (let s = 0; s < 4; s += 1) {
      let diff = 0;
      for (let i = s * 768; i < (s + 1) * 768; i += 1) diff += Math.abs(got[i]! - src[i]!);
      expect(diff / 768).toBeGreaterThan(0.05);
    }
    tf.dispose([img, none, all]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('dinoMultiCrop', () => {
  it('returns 2 global + n local views of the right sizes, normalised, seeded, without leaks', () => {
    const before = tf.memory().numTensors;
    const img = tf.randomUniform([3, 40, 48, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
    const transform = dinoMultiCrop({ globalSize: 24, localSize: 12, numLocalCrops: 3 });
    const views = transform(img, createRng(5));
    expect(views.map((v) => v.shape)).toEqual([
      [3, 24, 24, 3],
      [3, 24, 24, 3],
      [3, 12, 12, 3],
      [3, 12, 12, 3],
      [3, 12, 12, 3],
    ]);
    // Values in [0, 1] before normalisation -> per channel within [-mean/std, (1-mean)/std].
    for (const view of views) {
      const v = view.dataSync();
      for (let i = 0; i < v.length; i += 1) {
        const c = i % 3;
        expect(v[i]!).toBeGreaterThanOrEqual(-IMAGENET_MEAN[c]! / IMAGENET_STD[c]! - 1e-5);
        expect(v[i]!).toBeLessThanOrEqual((1 - IMAGENET_MEAN[c]!) / IMAGENET_STD[c]! + 1e-5);
      }
    }
    const again = transform(img, createRng(5));
    again.forEach((v, i) => expect(Array.from(v.dataSync())).toEqual(Array.from(views[i]!.dataSync())));
    const other = transform(img, createRng(6));
    expect(Array.from(other[0]!.dataSync())).not.toEqual(Array.from(views[0]!.dataSync()));
    // Gray input is tiled to RGB (DINO's loader converts to RGB).
    const gray = tf.randomUniform([2, 30, 30, 1], 0, 1, 'float32', 10) as tf.Tensor4D;
    const grayViews = dinoMultiCrop({ globalSize: 20, localSize: 10, numLocalCrops: 1 })(gray, createRng(1));
    expect(grayViews.map((v) => v.shape)).toEqual([
      [2, 20, 20, 3],
      [2, 20, 20, 3],
      [2, 10, 10, 3],
    ]);
    tf.dispose([img, gray, ...views, ...again, ...other, ...grayViews]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
