import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@hvcm/metrics';
import type { Rng } from '../random/index';
import { checkImages, checkRange } from './check-images';
import type { ImageTransform } from './transform';

/** A crop in pixels: rows `top .. top + height - 1`, columns `left .. left + width - 1`. */
export interface CropBox {
  readonly top: number;
  readonly left: number;
  readonly height: number;
  readonly width: number;
}

/** Output size: a square side or `[height, width]`. */
export type OutputSize = number | readonly [number, number];

function outputHeightWidth(size: OutputSize): [number, number] {
  const [h, w] = typeof size === 'number' ? [size, size] : size;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) {
    throw new InvalidArgumentError(`output size must be positive integers; got [${h}, ${w}].`);
  }
  return [h, w];
}

function randomInt(rng: Rng, low: number, highInclusive: number): number {
  return low + rng.nextInt(highInclusive - low + 1);
}

/**
 * torchvision `RandomResizedCrop.get_params`, draw for draw: up to 10 attempts of a target area
 * `uniform(scale) * h * w` and an aspect ratio `exp(uniform(log ratio))`, rounded to whole pixels;
 * the first that fits is placed uniformly. If none fits, a center crop of the whole image clipped to
 * the ratio range.
 */
export function sampleResizedCropBox(
  height: number,
  width: number,
  scale: readonly [number, number],
  ratio: readonly [number, number],
  rng: Rng,
): CropBox {
  const area = height * width;
  const logLow = Math.log(ratio[0]);
  const logHigh = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const targetArea = area * rng.uniform(scale[0], scale[1]);
    const aspect = Math.exp(rng.uniform(logLow, logHigh));
    const w = Math.round(Math.sqrt(targetArea * aspect));
    const h = Math.round(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const top = randomInt(rng, 0, height - h);
      const left = randomInt(rng, 0, width - w);
      return { top, left, height: h, width: w };
    }
  }
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < ratio[0]) {
    h = Math.round(w / ratio[0]);
  } else if (inRatio > ratio[1]) {
    w = Math.round(h * ratio[1]);
  }
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), height: h, width: w };
}

/**
 * Crops each sample's box and resizes it bilinearly to `size`, in one `cropAndResize` call. The
 * sampling grid is torchvision's (half-pixel centres, `align_corners=False`): output pixel k reads
 * the crop at `top + (k + 0.5) h / outH - 0.5`, so a box resized to its own size is an exact copy.
 * At the image border values are clamped (edge replicate, as PyTorch does); inside the image the
 * crop's edge pixels interpolate with their true neighbours where torchvision's crop-then-resize
 * clamps at the crop edge (a sub-pixel difference). No antialiasing (torchvision antialiases
 * bilinear/bicubic downscaling; DINO uses bicubic): strong downscaling can alias a little.
 * `images` `[n, h, w, c]`, `boxes` one per sample; returns `[n, outH, outW, c]`.
 */
export function resizedCrop(images: tf.Tensor4D, boxes: readonly CropBox[], size: OutputSize): tf.Tensor4D {
  checkImages('resizedCrop', images);
  const [, height, width] = images.shape;
  return tf.tidy(() => cropFromEdgePadded(edgePad(images), boxes, size, height, width));
}

/** Pads 1 px on each side by repeating the edge (the input of `cropFromEdgePadded`). */
export function edgePad(images: tf.Tensor4D): tf.Tensor4D {
  return tf.mirrorPad(images, [[0, 0], [1, 1], [1, 1], [0, 0]], 'symmetric');
}

/**
 * `resizedCrop` on a batch already padded by `edgePad` (so that several crops of one batch, as
 * in multi-crop, pad it once). `height`, `width`: the size before padding; boxes refer to it.
 */
export function cropFromEdgePadded(
  padded: tf.Tensor4D,
  boxes: readonly CropBox[],
  size: OutputSize,
  height: number,
  width: number,
): tf.Tensor4D {
  const n = padded.shape[0];
  const [outH, outW] = outputHeightWidth(size);
  if (boxes.length !== n) {
    throw new InvalidArgumentError(`resizedCrop: one box per sample expected (${n}); got ${boxes.length}.`);
  }
  // Coordinates in the edge-padded image (1 px each side), so that the half-pixel grid's
  // positions in [-0.5, size - 0.5] stay inside it and read the replicated edge.
  const spanH = height + 1;
  const spanW = width + 1;
  const coords = new Float32Array(n * 4);
  boxes.forEach((b, i) => {
    if (b.height < 1 || b.width < 1 || b.top < 0 || b.left < 0 || b.top + b.height > height || b.left + b.width > width) {
      throw new InvalidArgumentError(
        `resizedCrop: box ${i} {top ${b.top}, left ${b.left}, height ${b.height}, width ${b.width}} is not inside the ${height}x${width} image.`,
      );
    }
    const stepH = b.height / outH;
    const stepW = b.width / outW;
    coords[i * 4] = (b.top + 0.5 * stepH - 0.5 + 1) / spanH;
    coords[i * 4 + 1] = (b.left + 0.5 * stepW - 0.5 + 1) / spanW;
    coords[i * 4 + 2] = (b.top + b.height - 0.5 * stepH - 0.5 + 1) / spanH;
    coords[i * 4 + 3] = (b.left + b.width - 0.5 * stepW - 0.5 + 1) / spanW;
  });
  return tf.tidy(() => {
    const boxTensor = tf.tensor2d(coords, [n, 4]);
    const boxIndex = tf.range(0, n, 1, 'int32') as tf.Tensor1D;
    return tf.image.cropAndResize(padded, boxTensor, boxIndex, [outH, outW], 'bilinear');
  });
}

/** Options of `randomResizedCrop` (torchvision defaults). */
export interface RandomResizedCropOptions {
  /** Output size. */
  readonly size: OutputSize;
  /** Range of the crop's area as a share of the image's. Default [0.08, 1]. */
  readonly scale?: readonly [number, number];
  /** Range of the crop's width / height. Default [3/4, 4/3] (drawn log-uniformly). */
  readonly ratio?: readonly [number, number];
}

/**
 * torchvision `RandomResizedCrop(size, scale, ratio)` on a batch: one box per sample
 * (`sampleResizedCropBox`, in batch order), then one batched bilinear `resizedCrop`.
 */
export function randomResizedCrop(options: RandomResizedCropOptions): ImageTransform {
  const scale = options.scale ?? [0.08, 1];
  const ratio = options.ratio ?? [3 / 4, 4 / 3];
  checkRange('randomResizedCrop', 'scale', scale, 0);
  checkRange('randomResizedCrop', 'ratio', ratio, Number.MIN_VALUE);
  outputHeightWidth(options.size);
  return (images, rng) => {
    checkImages('randomResizedCrop', images);
    const [n, height, width] = images.shape;
    const boxes = Array.from({ length: n }, () => sampleResizedCropBox(height, width, scale, ratio, rng));
    return resizedCrop(images, boxes, options.size);
  };
}
