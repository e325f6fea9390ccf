import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@hvcm/metrics';
import { checkImages, checkRange } from './check-images';
import { colorJitter } from './color-jitter';
import { randomGaussianBlur } from './gaussian-blur';
import { randomHorizontalFlip } from './horizontal-flip';
import { IMAGENET_MEAN, IMAGENET_STD, normalize } from './normalize';
import { randomGrayscale } from './random-grayscale';
import { cropFromEdgePadded, edgePad, sampleResizedCropBox } from './random-resized-crop';
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
  /** Blur kernel size (odd) or `'auto'` (default: `2 ceil(3 sigma) + 1` per sample, see `randomGaussianBlur`). */
  readonly blurKernelSize?: number | 'auto';
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
 * antialiasing (crop boxes exactly as torchvision's `RandomResizedCrop`, ratio (3/4, 4/3)), an exact Gaussian truncated at 3 sigma instead of PIL's box-blur approximation.
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
  const kernelSize = options.blurKernelSize ?? 'auto';
  const blur = (p: number): ImageTransform => randomGaussianBlur({ p, sigma: [0.1, 2], kernelSize });
  const flipAndColorJitter = compose([
    randomHorizontalFlip(0.5),
    // = RandomApply(ColorJitter(...), p=0.8), same draws, without regrouping the batch.
    colorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1, p: 0.8 }),
    randomGrayscale(0.2),
  ]);
  const norm = normalize(options.mean ?? IMAGENET_MEAN, options.std ?? IMAGENET_STD);
  const global1 = compose([flipAndColorJitter, blur(1.0), norm]);
  const global2 = compose([flipAndColorJitter, blur(0.1), randomSolarize(DINO_SOLARIZE_THRESHOLD, 0.2), norm]);
  const local = compose([flipAndColorJitter, blur(0.5), norm]);
  const ratio: [number, number] = [3 / 4, 4 / 3];
  return (images, rng) => {
    checkImages('dinoMultiCrop', images, [1, 3]);
    const [n, height, width] = images.shape;
    // The batch is edge-padded once for all views (each view: RandomResizedCrop, then its pipeline).
    const padded = tf.tidy(() => edgePad(images.shape[3] === 1 ? tf.tile(images, [1, 1, 1, 3]) : images));
    const view = (size: number, scale: readonly [number, number], pipeline: ImageTransform): tf.Tensor4D => {
      const boxes = Array.from({ length: n }, () => sampleResizedCropBox(height, width, scale, ratio, rng));
      const crop = cropFromEdgePadded(padded, boxes, size, height, width);
      try {
        return pipeline(crop, rng);
      } finally {
        crop.dispose();
      }
    };
    try {
      const views = [view(globalSize, globalScale, global1), view(globalSize, globalScale, global2)];
      for (let v = 0; v < numLocal; v += 1) views.push(view(localSize, localScale, local));
      return views;
    } finally {
      padded.dispose();
    }
  };
}
