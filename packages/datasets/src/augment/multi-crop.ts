import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@hvcm/metrics';
import { randomApply } from './apply-by-group';
import { checkImages, checkRange } from './check-images';
import { colorJitter } from './color-jitter';
import { randomGaussianBlur } from './gaussian-blur';
import { randomHorizontalFlip } from './horizontal-flip';
import { IMAGENET_MEAN, IMAGENET_STD, normalize } from './normalize';
import { randomGrayscale } from './random-grayscale';
import { randomResizedCrop } from './random-resized-crop';
import { DINO_SOLARIZE_THRESHOLD, randomSolarize } from './solarize';
import { compose, type ImageTransform, type MultiViewTransform } from './transform';

/** Global crop scale of the HVCM self-distillation recipe (DESIGN.md section 3). */
export const HVCM_GLOBAL_CROP_SCALE: readonly [number, number] = [0.14, 1];
/** Local crop scale of the HVCM recipe. */
export const HVCM_LOCAL_CROP_SCALE: readonly [number, number] = [0.05, 0.14];
/** DINO's `main_dino.py` default global crop scale. */
export const DINO_GLOBAL_CROP_SCALE: readonly [number, number] = [0.4, 1];
/** DINO's `main_dino.py` default local crop scale. */
export const DINO_LOCAL_CROP_SCALE: readonly [number, number] = [0.05, 0.4];

/** Options of `dinoMultiCrop`. Defaults: the HVCM recipe (2 x 224 px at (0.14, 1) + 8 x 96 px at (0.05, 0.14)). */
export interface DinoMultiCropOptions {
  /** Side of the two global views. Default 224. */
  readonly globalSize?: number;
  /** Side of the local views. Default 96. */
  readonly localSize?: number;
  /** Number of local views. Default 8. */
  readonly numLocalCrops?: number;
  /** Area range of the global crops. Default `HVCM_GLOBAL_CROP_SCALE` (0.14, 1); DINO's own is (0.4, 1). */
  readonly globalScale?: readonly [number, number];
  /** Area range of the local crops. Default `HVCM_LOCAL_CROP_SCALE` (0.05, 0.14). */
  readonly localScale?: readonly [number, number];
  /** Normalisation statistics. Default ImageNet's. */
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
  /** Blur kernel size (odd). Default 13 (covers +-3 sigma for DINO's sigma up to 2). */
  readonly blurKernelSize?: number;
}

/**
 * DINO's `DataAugmentationDINO` as one batched, seeded transform. For each batch it returns
 * `2 + numLocalCrops` views, each `[n, size, size, 3]`, normalised:
 * - shared part `flipAndColorJitter`: horizontal flip p 0.5; color jitter (0.4, 0.4, 0.2, 0.1)
 *   applied with p 0.8; grayscale p 0.2;
 * - global view 1: random resized crop (globalSize, globalScale), flipAndColorJitter, blur p 1.0;
 * - global view 2: same crop law, flipAndColorJitter, blur p 0.1, solarize p 0.2;
 * - each local view: random resized crop (localSize, localScale), flipAndColorJitter, blur p 0.5;
 * then ImageNet mean/std normalisation. Views are drawn in that order from `rng`.
 * Differences from DINO (documented, not hidden): bilinear instead of bicubic resampling without
 * antialiasing, an exact Gaussian (kernel `blurKernelSize`) instead of PIL's box-blur approximation.
 * Input: `[n, h, w, 3]` or `[n, h, w, 1]` float32 in [0, 1]; gray input is tiled to RGB first (DINO's
 * loader converts every image to RGB).
 */
export function dinoMultiCrop(options: DinoMultiCropOptions = {}): MultiViewTransform {
  const globalSize = options.globalSize ?? 224;
  const localSize = options.localSize ?? 96;
  const numLocal = options.numLocalCrops ?? 8;
  const globalScale = options.globalScale ?? HVCM_GLOBAL_CROP_SCALE;
  const localScale = options.localScale ?? HVCM_LOCAL_CROP_SCALE;
  if (!Number.isInteger(numLocal) || numLocal < 0) {
    throw new InvalidArgumentError(`dinoMultiCrop: numLocalCrops must be an integer >= 0; got ${numLocal}.`);
  }
  checkRange('dinoMultiCrop', 'globalScale', globalScale, 0);
  checkRange('dinoMultiCrop', 'localScale', localScale, 0);
  const kernelSize = options.blurKernelSize ?? 13;
  const blur = (p: number): ImageTransform => randomGaussianBlur({ p, sigma: [0.1, 2], kernelSize });
  const flipAndColorJitter = compose([
    randomHorizontalFlip(0.5),
    randomApply(colorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1 }), 0.8),
    randomGrayscale(0.2),
  ]);
  const norm = normalize(options.mean ?? IMAGENET_MEAN, options.std ?? IMAGENET_STD);
  const global1 = compose([
    randomResizedCrop({ size: globalSize, scale: globalScale }),
    flipAndColorJitter,
    blur(1.0),
    norm,
  ]);
  const global2 = compose([
    randomResizedCrop({ size: globalSize, scale: globalScale }),
    flipAndColorJitter,
    blur(0.1),
    randomSolarize(DINO_SOLARIZE_THRESHOLD, 0.2),
    norm,
  ]);
  const local = compose([randomResizedCrop({ size: localSize, scale: localScale }), flipAndColorJitter, blur(0.5), norm]);
  return (images, rng) => {
    checkImages('dinoMultiCrop', images, [1, 3]);
    const rgb = images.shape[3] === 1 ? tf.tile(images, [1, 1, 1, 3]) : images;
    try {
      const views = [global1(rgb, rng), global2(rgb, rng)];
      for (let v = 0; v < numLocal; v += 1) views.push(local(rgb, rng));
      return views;
    } finally {
      if (rgb !== images) rgb.dispose();
    }
  };
}
