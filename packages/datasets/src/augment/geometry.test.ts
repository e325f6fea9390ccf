import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createRng } from '../random/index';
import { compose } from './transform';
import { randomHorizontalFlip } from './horizontal-flip';
import { randomResizedCrop, resizedCrop, sampleResizedCropBox } from './random-resized-crop';
import { randomCropWithPadding } from './random-crop-with-padding';
import { cifarTrainTransform, mnistTrainTransform } from './presets';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** `[n, h, w, c]` image whose value at (s, y, x, ch) is `f(s, y, x, ch)`. */
function makeImages(shape: [number, number, number, number], f: (s: number, y: number, x: number, c: number) => number) {
  const [n, h, w, c] = shape;
  const data = new Float32Array(n * h * w * c);
  let k = 0;
  for (let s = 0; s < n; s += 1)
    for (let y = 0; y < h; y += 1) for (let x = 0; x < w; x += 1) for (let ch = 0; ch < c; ch += 1) data[k++] = f(s, y, x, ch);
  return tf.tensor4d(data, shape);
}

describe('randomHorizontalFlip', () => {
  it('flips at rate p (binomial tolerance) and flips exactly', () => {
    const n = 4000;
    const p = 0.3;
    const before = tf.memory().numTensors;
    const images = makeImages([n, 1, 3, 1], (_s, _y, x) => x / 2); // rows [0, 0.5, 1]
    const out = randomHorizontalFlip(p)(images, createRng(1));
    const values = out.dataSync();
    let flipped = 0;
    for (let s = 0; s < n; s += 1) {
      const row = Array.from(values.subarray(3 * s, 3 * s + 3));
      if (row[0] === 1) {
        expect(row).toEqual([1, 0.5, 0]);
        flipped += 1;
      } else {
        expect(row).toEqual([0, 0.5, 1]);
      }
    }
    // Binomial(4000, 0.3): sd = sqrt(4000 * 0.3 * 0.7) = 29; allow 4 sd.
    expect(Math.abs(flipped - n * p)).toBeLessThan(4 * Math.sqrt(n * p * (1 - p)));
    images.dispose();
    out.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('random resized crop', () => {
  it('boxes stay inside the image with scale and ratio in range (up to pixel rounding)', () => {
    const rng = createRng(2);
    const scale: [number, number] = [0.08, 1];
    const ratio: [number, number] = [3 / 4, 4 / 3];
    let minScale = Infinity;
    let maxScale = 0;
    for (let t = 0; t < 3000; t += 1) {
      const b = sampleResizedCropBox(224, 224, scale, ratio, rng);
      expect(b.top).toBeGreaterThanOrEqual(0);
      expect(b.left).toBeGreaterThanOrEqual(0);
      expect(b.top + b.height).toBeLessThanOrEqual(224);
      expect(b.left + b.width).toBeLessThanOrEqual(224);
      const s = (b.height * b.width) / (224 * 224);
      // w, h are rounded: |w - sqrt(A r)| <= 0.5, which moves the share by < 1 % at 224 px.
      expect(s).toBeGreaterThanOrEqual(scale[0] - 0.01);
      expect(s).toBeLessThanOrEqual(scale[1]);
      const r = b.width / b.height;
      // Rounding both sides changes the ratio by at most ~1 px in ~63 (the smallest crops).
      expect(r).toBeGreaterThanOrEqual(ratio[0] * (1 - 0.02));
      expect(r).toBeLessThanOrEqual(ratio[1] * (1 + 0.02));
      minScale = Math.min(minScale, s);
      maxScale = Math.max(maxScale, s);
    }
    // The draws cover the range.
    expect(minScale).toBeLessThan(0.1);
    expect(maxScale).toBeGreaterThan(0.95);
  });

  it('falls back to the center crop clipped to the ratio range', () => {
    const rng = createRng(3);
    // Scale > 1 never fits: fallback. Image 10 x 40 (ratio 4) with ratio range [0.5, 2] -> 10 x 20 centred.
    expect(sampleResizedCropBox(10, 40, [2, 3], [0.5, 2], rng)).toEqual({ top: 0, left: 10, height: 10, width: 20 });
    // In-range ratio: the whole image.
    expect(sampleResizedCropBox(10, 12, [2, 3], [0.5, 2], rng)).toEqual({ top: 0, left: 0, height: 10, width: 12 });
  });

  it('resizedCrop: own-size boxes are exact copies; halving averages 2x2 blocks; upscaling clamps at the border', () => {
    const before = tf.memory().numTensors;
    const img = makeImages([1, 4, 4, 1], (_s, y, x) => (4 * y + x) / 15);
    const whole = resizedCrop(img, [{ top: 0, left: 0, height: 4, width: 4 }], 4);
    const sub = resizedCrop(img, [{ top: 1, left: 2, height: 2, width: 2 }], 2);
    const half = resizedCrop(img, [{ top: 0, left: 0, height: 4, width: 4 }], 2);
    const v = (y: number, x: number) => (4 * y + x) / 15;
    expectClose(whole.dataSync(), Array.from({ length: 16 }, (_, i) => i / 15), 1e-5);
    expectClose(sub.dataSync(), [v(1, 2), v(1, 3), v(2, 2), v(2, 3)], 1e-5);
    // Half-pixel grid: output (0, 0) reads position (0.5, 0.5) = mean of the top-left 2x2 block.
    const block = (y: number, x: number) => (v(y, x) + v(y, x + 1) + v(y + 1, x) + v(y + 1, x + 1)) / 4;
    expectClose(half.dataSync(), [block(0, 0), block(0, 2), block(2, 0), block(2, 2)], 1e-5);
    // 1 x 2 row [a, b] up to 1 x 4: positions -0.25, 0.25, 0.75, 1.25 -> [a, .75a+.25b, .25a+.75b, b].
    const row = tf.tensor4d([0.2, 0.6], [1, 1, 2, 1]);
    const up = resizedCrop(row, [{ top: 0, left: 0, height: 1, width: 2 }], [1, 4]);
    expectClose(up.dataSync(), [0.2, 0.3, 0.5, 0.6], 1e-6);
    tf.dispose([img, whole, sub, half, row, up]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('randomResizedCrop: output size, range [0, 1] kept, constant image stays constant, seeded', () => {
    const before = tf.memory().numTensors;
    const rng = createRng(4);
    const img = tf.randomUniform([6, 20, 30, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const t = randomResizedCrop({ size: [12, 16], scale: [0.05, 1] });
    const a = t(img, createRng(9));
    const b = t(img, createRng(9));
    expect(a.shape).toEqual([6, 12, 16, 3]);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    const values = a.dataSync();
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThanOrEqual(1);
    const constant = tf.fill([3, 20, 30, 1], 0.7) as tf.Tensor4D;
    const c = t(constant, rng);
    expectClose(c.dataSync(), new Array(3 * 12 * 16).fill(0.7), 1e-6);
    tf.dispose([img, a, b, constant, c]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('randomCropWithPadding', () => {
  it('keeps the size; each sample is a shifted copy with zero fill; shifts cover [-4, 4]', () => {
    const before = tf.memory().numTensors;
    const n = 200;
    // Unique positive values so that a pixel identifies its source position.
    const img = makeImages([n, 8, 8, 2], (_s, y, x, c) => (1 + (8 * y + x) * 2 + c) / 200);
    const out = randomCropWithPadding({ padding: 4 })(img, createRng(6));
    expect(out.shape).toEqual([n, 8, 8, 2]);
    const src = img.dataSync();
    const got = out.dataSync();
    const shifts = new Set<string>();
    for (let s = 0; s < n; s += 1) {
      // Find the shift from the value at the first non-zero pixel.
      let dy = NaN;
      let dx = NaN;
      for (let k = 0; k < 64 && Number.isNaN(dy); k += 1) {
        const value = got[s * 128 + 2 * k]!;
        if (value !== 0) {
          const srcIndex = Math.round(value * 200 - 1) / 2;
          dy = Math.floor(srcIndex / 8) - Math.floor(k / 8);
          dx = (srcIndex % 8) - (k % 8);
        }
      }
      shifts.add(`${dy},${dx}`);
      for (let y = 0; y < 8; y += 1)
        for (let x = 0; x < 8; x += 1)
          for (let c = 0; c < 2; c += 1) {
            const sy = y + dy;
            const sx = x + dx;
            const expected = sy >= 0 && sy < 8 && sx >= 0 && sx < 8 ? src[s * 128 + (sy * 8 + sx) * 2 + c]! : 0;
            expect(got[s * 128 + (y * 8 + x) * 2 + c]).toBe(expected);
          }
      expect(Math.abs(dy)).toBeLessThanOrEqual(4);
      expect(Math.abs(dx)).toBeLessThanOrEqual(4);
    }
    // 81 possible shifts, 200 draws: most appear (a shift of +-4 in both axes fills all but 16 pixels).
    expect(shifts.size).toBeGreaterThan(60);
    tf.dispose([img, out]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('fill value, crops larger than the image (whole padded image) and smaller than it', () => {
    const before = tf.memory().numTensors;
    const img = makeImages([1, 2, 2, 1], (_s, y, x) => 0.1 * (1 + 2 * y + x)); // [[.1, .2], [.3, .4]]
    const whole = randomCropWithPadding({ padding: 1, size: 4, fill: 0.5 })(img, createRng(1));
    const f = Math.fround;
    expect(Array.from(whole.dataSync())).toEqual(
      [0.5, 0.5, 0.5, 0.5, 0.5, 0.1, 0.2, 0.5, 0.5, 0.3, 0.4, 0.5, 0.5, 0.5, 0.5, 0.5].map(f),
    );
    const big = makeImages([50, 3, 3, 1], (_s, y, x) => 3 * y + x);
    const small = randomCropWithPadding({ padding: 0, size: 2 })(big, createRng(2));
    const windows = new Set<string>();
    const v = small.dataSync();
    for (let s = 0; s < 50; s += 1) {
      const [a, b, c, d] = Array.from(v.subarray(4 * s, 4 * s + 4));
      // A 2 x 2 window of [[0,1,2],[3,4,5],[6,7,8]] starting at a: [a, a+1, a+3, a+4], a in {0, 1, 3, 4}.
      expect([0, 1, 3, 4]).toContain(a);
      expect([b, c, d]).toEqual([a! + 1, a! + 3, a! + 4]);
      windows.add(String(a));
    }
    expect(windows.size).toBe(4);
    tf.dispose([img, whole, big, small]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('presets keep shapes and do not leak', () => {
    const before = tf.memory().numTensors;
    const cifar = tf.randomUniform([4, 32, 32, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const mnist = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
    const a = cifarTrainTransform()(cifar, createRng(1));
    const b = mnistTrainTransform()(mnist, createRng(1));
    const c = compose([])(mnist, createRng(1));
    expect(a.shape).toEqual([4, 32, 32, 3]);
    expect(b.shape).toEqual([4, 28, 28, 1]);
    expect(c).not.toBe(mnist);
    tf.dispose([cifar, mnist, a, b, c]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

function expectClose(got: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(got.length).toBe(expected.length);
  for (let i = 0; i < got.length; i += 1) {
    if (Math.abs((got[i] as number) - (expected[i] as number)) > tol) {
      throw new Error(`index ${i}: got ${got[i]}, expected ${expected[i]} (tolerance ${tol})`);
    }
  }
}
