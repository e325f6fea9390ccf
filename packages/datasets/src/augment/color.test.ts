import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createRng, shuffleInPlace } from '../random/index';
import { randomApply } from './apply-by-group';
import { adjustBrightness, adjustContrast, adjustHue, adjustSaturation, colorJitter } from './color-jitter';
import { hsvToRgb, rgbToHsv } from './color-space';
import { randomGrayscale } from './random-grayscale';
import { normalize } from './normalize';
import { randomSolarize, solarize } from './solarize';

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

/** Runs `f` and checks that it leaves no tensor behind once its result is disposed. */
function noLeak(f: () => void): void {
  const before = tf.memory().numTensors;
  f();
  expect(tf.memory().numTensors).toBe(before);
}

// Pixels and their hue-shifted (+0.1 turn) values from Python's colorsys (same HSV definition):
// python3 -c "import colorsys; h,s,v=colorsys.rgb_to_hsv(*p); print(h,s,v, colorsys.hsv_to_rgb((h+0.1)%1,s,v))"
const PIXELS = [
  [0.9, 0.2, 0.1],
  [0.3, 0.6, 0.2],
  [0.1, 0.4, 0.8],
  [0.5, 0.5, 0.5],
  [0.7, 0.1, 0.6],
  [0.0, 0.0, 0.0],
  [1.0, 1.0, 0.0],
];
const HSV = [
  [0.0208333, 0.8888889, 0.9],
  [0.2916667, 0.6666667, 0.6],
  [0.5952381, 0.875, 0.8],
  [0.0, 0.0, 0.5],
  [0.8611111, 0.8571429, 0.7],
  [0.0, 0.0, 0.0],
  [0.1666667, 1.0, 1.0],
];
const SHIFTED = [
  [0.9, 0.68, 0.1],
  [0.2, 0.6, 0.34],
  [0.22, 0.1, 0.8],
  [0.5, 0.5, 0.5],
  [0.7, 0.1, 0.24],
  [0.0, 0.0, 0.0],
  [0.4, 1.0, 0.0],
];

describe('color adjustments', () => {
  it('brightness: exact product on a constant image, clamped at 1', () =>
    noLeak(() => {
      const img = tf.fill([2, 3, 3, 3], 0.4) as tf.Tensor4D;
      const out = adjustBrightness(img, [1.5, 3]);
      const v = out.dataSync();
      expect(Array.from(v.subarray(0, 27))).toEqual(new Array(27).fill(Math.fround(Math.fround(0.4) * 1.5)));
      expect(Array.from(v.subarray(27))).toEqual(new Array(27).fill(1));
      tf.dispose([img, out]);
    }));

  it('contrast blends with the mean luma; saturation 0 gives the luma', () =>
    noLeak(() => {
      // One image of two pixels: red and blue. Luma 0.299 and 0.114, mean 0.2065.
      const img = tf.tensor4d([1, 0, 0, 0, 0, 1], [1, 1, 2, 3]);
      const contrast = adjustContrast(img, 0.5);
      const m = 0.2065;
      expectClose(contrast.dataSync(), [0.5 + m / 2, m / 2, m / 2, m / 2, m / 2, 0.5 + m / 2], 1e-6);
      const gray = adjustSaturation(img, 0);
      expectClose(gray.dataSync(), [0.299, 0.299, 0.299, 0.114, 0.114, 0.114], 1e-6);
      const same = adjustSaturation(img, 1);
      expectClose(same.dataSync(), [1, 0, 0, 0, 0, 1], 0);
      tf.dispose([img, contrast, gray, same]);
    }));

  it('RGB -> HSV and hue shift match Python colorsys; shifts of 0 and 1 are identity', () =>
    noLeak(() => {
      const img = tf.tensor4d(PIXELS.flat(), [1, 1, PIXELS.length, 3]);
      const [h, s, v] = rgbToHsv(img);
      expectClose(h.dataSync(), HSV.map((x) => x[0]!), 1e-6);
      expectClose(s.dataSync(), HSV.map((x) => x[1]!), 1e-6);
      expectClose(v.dataSync(), HSV.map((x) => x[2]!), 1e-6);
      const back = hsvToRgb(h, s, v);
      expectClose(back.dataSync(), PIXELS.flat(), 1e-6);
      back.dispose();
      const shifted = adjustHue(img, 0.1);
      expectClose(shifted.dataSync(), SHIFTED.flat(), 1e-5);
      const zero = adjustHue(img, 0);
      const full = adjustHue(img, 1);
      const negative = adjustHue(img, -1);
      expectClose(zero.dataSync(), PIXELS.flat(), 1e-6);
      expectClose(full.dataSync(), PIXELS.flat(), 1e-5);
      expectClose(negative.dataSync(), PIXELS.flat(), 1e-5);
      // Red turned by 1/3 is green, by 1/2 cyan.
      const red = tf.tensor4d([1, 0, 0, 1, 0, 0], [2, 1, 1, 3]);
      const turned = adjustHue(red, [1 / 3, 0.5]);
      expectClose(turned.dataSync(), [0, 1, 0, 0, 1, 1], 1e-6);
      tf.dispose([img, h, s, v, shifted, zero, full, negative, red, turned]);
    }));

  it('one-channel images: saturation and hue leave them unchanged', () =>
    noLeak(() => {
      const img = tf.tensor4d([0.1, 0.9, 0.4, 0.6], [1, 2, 2, 1]);
      const a = adjustSaturation(img, 0);
      const b = adjustHue(img, 0.3);
      expect(Array.from(a.dataSync())).toEqual(Array.from(img.dataSync()));
      expect(Array.from(b.dataSync())).toEqual(Array.from(img.dataSync()));
      tf.dispose([img, a, b]);
    }));
});

describe('colorJitter', () => {
  it('equals the per-sample torchvision procedure (random order, then factors) run sample by sample', () =>
    noLeak(() => {
      const n = 40;
      const images = tf.randomUniform([n, 4, 5, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
      const batched = colorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1 })(images, createRng(7));
      // The same draws, replayed here: order (randperm 4), then b, c, s, h.
      const rng = createRng(7);
      const adjust = [adjustBrightness, adjustContrast, adjustSaturation, adjustHue];
      const expected: number[] = [];
      for (let i = 0; i < n; i += 1) {
        const order = shuffleInPlace([0, 1, 2, 3], rng);
        const f = [rng.uniform(0.6, 1.4), rng.uniform(0.6, 1.4), rng.uniform(0.8, 1.2), rng.uniform(-0.1, 0.1)];
        const one = tf.tidy(() => {
          let x = tf.slice(images, [i, 0, 0, 0], [1, 4, 5, 3]) as tf.Tensor4D;
          for (const op of order) x = adjust[op]!(x, Math.fround(f[op]!));
          return x;
        });
        expected.push(...one.dataSync());
        one.dispose();
      }
      const got = batched.dataSync();
      expectClose(got, expected, 1e-5);
      expect(Math.min(...got)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...got)).toBeLessThanOrEqual(1);
      tf.dispose([images, batched]);
    }));

  it('the p option equals randomApply(colorJitter, p): same draws, same pixels', () =>
    noLeak(() => {
      const images = tf.randomUniform([30, 3, 3, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
      const jitter = { brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1 };
      const a = colorJitter({ ...jitter, p: 0.6 })(images, createRng(3));
      const b = randomApply(colorJitter(jitter), 0.6)(images, createRng(3));
      expectClose(a.dataSync(), b.dataSync(), 1e-6);
      // Some samples untouched, some changed.
      const src = images.dataSync();
      const got = a.dataSync();
      let unchanged = 0;
      for (let s = 0; s < 30; s += 1) {
        let same = true;
        for (let i = s * 27; i < (s + 1) * 27; i += 1) same &&= got[i] === src[i];
        if (same) unchanged += 1;
      }
      expect(unchanged).toBeGreaterThan(3);
      expect(unchanged).toBeLessThan(27);
      tf.dispose([images, a, b]);
    }));

  it('fixed ranges without random order reduce to the plain adjustment; randomApply keeps rate p', () =>
    noLeak(() => {
      const img = tf.fill([500, 2, 2, 3], 0.5) as tf.Tensor4D;
      const fixed = colorJitter({ brightness: [1.5, 1.5], randomOrder: false })(img, createRng(1));
      expectClose(fixed.dataSync(), new Array(500 * 12).fill(0.75), 0);
      const darkened = randomApply(colorJitter({ brightness: [0, 0] }), 0.8)(img, createRng(2));
      const v = darkened.dataSync();
      let black = 0;
      for (let s = 0; s < 500; s += 1) {
        if (v[s * 12] === 0) black += 1;
        else expect(v[s * 12]).toBe(0.5);
      }
      // Binomial(500, 0.8): sd 8.9; allow 4 sd.
      expect(Math.abs(black - 400)).toBeLessThan(4 * Math.sqrt(500 * 0.8 * 0.2));
      tf.dispose([img, fixed, darkened]);
    }));
});

describe('grayscale, solarize, normalize', () => {
  it('randomGrayscale(1) gives the ITU-R 601-2 luma on every channel; rate p for p = 0.2', () =>
    noLeak(() => {
      const img = tf.randomUniform([3, 2, 2, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
      const out = randomGrayscale(1)(img, createRng(1));
      const src = img.dataSync();
      const got = out.dataSync();
      for (let p = 0; p < 12; p += 1) {
        const luma = 0.299 * src[3 * p]! + 0.587 * src[3 * p + 1]! + 0.114 * src[3 * p + 2]!;
        expectClose(got.subarray(3 * p, 3 * p + 3), [luma, luma, luma], 1e-6);
      }
      const many = tf.tensor4d(new Float32Array(2000 * 3).map((_, i) => (i % 3 === 0 ? 1 : 0)), [2000, 1, 1, 3]);
      const some = randomGrayscale(0.2)(many, createRng(2));
      const v = some.dataSync();
      let gray = 0;
      for (let s = 0; s < 2000; s += 1) if (v[3 * s] !== 1) gray += 1;
      expect(Math.abs(gray - 400)).toBeLessThan(4 * Math.sqrt(2000 * 0.2 * 0.8));
      tf.dispose([img, out, many, some]);
    }));

  it('solarize inverts exactly the values >= threshold; randomSolarize(p = 0) is identity', () =>
    noLeak(() => {
      const img = tf.tensor4d([0.2, 0.5, 0.6, 1.0], [1, 2, 2, 1]);
      const out = solarize(img, 0.5);
      expect(Array.from(out.dataSync())).toEqual([
        Math.fround(0.2),
        Math.fround(1 - Math.fround(0.5)),
        Math.fround(1 - Math.fround(0.6)),
        0,
      ]);
      const none = randomSolarize(0.5, 0)(img, createRng(1));
      expect(Array.from(none.dataSync())).toEqual(Array.from(img.dataSync()));
      tf.dispose([img, out, none]);
    }));

  it('normalize matches (x - mean) / std per channel to float precision (exact with one channel)', () =>
    noLeak(() => {
      const img = tf.tensor4d([0.1, 0.5, 0.9, 0.3, 0.7, 1.0], [1, 1, 2, 3]);
      const mean = [0.485, 0.456, 0.406];
      const std = [0.229, 0.224, 0.225];
      const out = normalize(mean, std)(img, createRng(0));
      const src = img.dataSync();
      const expected = Array.from(src, (x, i) => (x - mean[i % 3]!) / std[i % 3]!);
      expectClose(out.dataSync(), expected, 1e-6);
      const one = tf.tensor4d([0.1, 0.5, 0.9, 0.3], [1, 2, 2, 1]);
      const outOne = normalize([0.1307], [0.3081])(one, createRng(0));
      expect(Array.from(outOne.dataSync())).toEqual(
        Array.from(one.dataSync(), (x) => Math.fround(Math.fround(x - Math.fround(0.1307)) / Math.fround(0.3081))),
      );
      tf.dispose([one, outOne]);
      const gray = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
      expect(() => normalize(mean, std)(gray, createRng(0))).toThrow(/channel/);
      tf.dispose([img, out, gray]);
    }));
});
