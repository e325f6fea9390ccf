import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@hvcm/metrics';
import { applyByGroup } from './apply-by-group';
import { checkImages, checkProbability, checkRange } from './check-images';
import type { ImageTransform } from './transform';

/**
 * torchvision's 1-D Gaussian kernel: `exp(-x^2 / (2 sigma^2))` at `x = -(k-1)/2 .. (k-1)/2`,
 * normalised to sum 1. `size` odd and >= 1, `sigma` > 0. Returns `[size]`.
 */
export function gaussianKernel1d(size: number, sigma: number): Float32Array {
  if (!Number.isInteger(size) || size < 1 || size % 2 === 0) {
    throw new InvalidArgumentError(`Gaussian kernel size must be an odd integer >= 1; got ${size}.`);
  }
  if (!(sigma > 0 && Number.isFinite(sigma))) {
    throw new InvalidArgumentError(`Gaussian sigma must be a finite number > 0; got ${sigma}.`);
  }
  const half = (size - 1) / 2;
  const weights = new Float64Array(size);
  let sum = 0;
  for (let i = 0; i < size; i += 1) {
    const x = (i - half) / sigma;
    weights[i] = Math.exp(-0.5 * x * x);
    sum += weights[i] as number;
  }
  return Float32Array.from(weights, (w) => w / sum);
}

/** The smallest odd kernel covering +-3 sigma: `2 ceil(3 sigma) + 1` (13 for sigma 2, 3 for sigma <= 1/3). */
export function defaultBlurKernelSize(sigmaMax: number): number {
  return 2 * Math.ceil(3 * sigmaMax) + 1;
}

/**
 * Blurs each sample with its own Gaussian (`sigmas` one per sample, or one for all), torchvision
 * `gaussian_blur` semantics: reflect padding by `(size - 1) / 2`, then the separable kernel (rows,
 * then columns). Batched as one depthwise convolution: samples and channels are folded into the
 * channel axis (`[1, h, w, n c]`), each with its sample's kernel. Forward only (no gradient needed;
 * wasm lacks the depthwise backprop kernels). Needs h and w > (size - 1) / 2.
 */
export function gaussianBlur(images: tf.Tensor4D, sigmas: number | ArrayLike<number>, kernelSize: number): tf.Tensor4D {
  checkImages('gaussianBlur', images);
  const [n, h, w, c] = images.shape;
  const pad = (kernelSize - 1) / 2;
  if (pad >= h || pad >= w) {
    throw new InvalidArgumentError(
      `gaussianBlur: kernel size ${kernelSize} needs images larger than ${pad} px for reflect padding; got ${h}x${w}. Use a smaller kernel.`,
    );
  }
  if (typeof sigmas !== 'number' && sigmas.length !== n) {
    throw new InvalidArgumentError(`gaussianBlur: one sigma per sample expected (${n}); got ${sigmas.length}.`);
  }
  const channels = n * c;
  const taps = new Float32Array(kernelSize * channels);
  for (let s = 0; s < n; s += 1) {
    const sigma = typeof sigmas === 'number' ? sigmas : (sigmas[s] as number);
    const kernel = gaussianKernel1d(kernelSize, sigma);
    for (let ch = 0; ch < c; ch += 1) {
      for (let t = 0; t < kernelSize; t += 1) taps[t * channels + s * c + ch] = kernel[t] as number;
    }
  }
  return tf.tidy(() => {
    const padded = pad === 0 ? images : tf.mirrorPad(images, [[0, 0], [pad, pad], [pad, pad], [0, 0]], 'reflect');
    const hp = h + 2 * pad;
    const wp = w + 2 * pad;
    const folded = tf.reshape(tf.transpose(padded, [1, 2, 0, 3]), [1, hp, wp, channels]) as tf.Tensor4D;
    const alongWidth = tf.tensor4d(taps, [1, kernelSize, channels, 1]);
    const alongHeight = tf.tensor4d(taps, [kernelSize, 1, channels, 1]);
    const rows = tf.depthwiseConv2d(folded, alongWidth, 1, 'valid');
    const both = tf.depthwiseConv2d(rows, alongHeight, 1, 'valid');
    return tf.transpose(tf.reshape(both, [h, w, n, c]), [2, 0, 1, 3]) as tf.Tensor4D;
  });
}

/** Options of `randomGaussianBlur`. */
export interface RandomGaussianBlurOptions {
  /** Probability of blurring each sample. Default 0.5 (DINO's `GaussianBlur` default). */
  readonly p?: number;
  /** Sigma drawn uniformly per blurred sample from [low, high]. Default [0.1, 2] (DINO, torchvision). */
  readonly sigma?: readonly [number, number];
  /**
   * Odd kernel size for every sample, or `'auto'` (default): per sample `2 ceil(3 sigma) + 1`, the
   * Gaussian truncated at 3 sigma (0.3 % of its mass lost), like PIL whose blur extent follows the
   * radius. Samples sharing a size are blurred together, so small sigmas cost small kernels.
   */
  readonly kernelSize?: number | 'auto';
}

/**
 * DINO `GaussianBlur(p, radius_min, radius_max)` / torchvision `GaussianBlur` applied with probability
 * `p`: per sample one Bernoulli(p) draw, then for a blurred sample one uniform sigma. DINO blurs with
 * PIL (box-blur approximation of a Gaussian of that radius); this uses the exact truncated Gaussian.
 */
export function randomGaussianBlur(options: RandomGaussianBlurOptions = {}): ImageTransform {
  const p = options.p ?? 0.5;
  const sigma = options.sigma ?? [0.1, 2];
  checkProbability('randomGaussianBlur', p);
  checkRange('randomGaussianBlur', 'sigma', sigma, Number.MIN_VALUE);
  const kernelSize = options.kernelSize ?? 'auto';
  if (kernelSize !== 'auto') gaussianKernel1d(kernelSize, 1); // validates the size early
  return (images, rng) => {
    checkImages('randomGaussianBlur', images);
    const n = images.shape[0];
    // Group = kernel size (-1: not blurred).
    const groups = new Int32Array(n).fill(-1);
    const sigmas = new Float32Array(n);
    for (let i = 0; i < n; i += 1) {
      if (rng.bernoulli(p)) {
        sigmas[i] = rng.uniform(sigma[0], sigma[1]);
        groups[i] = kernelSize === 'auto' ? defaultBlurKernelSize(sigmas[i] as number) : kernelSize;
      }
    }
    return applyByGroup(images, groups, (size, subset, idx) =>
      gaussianBlur(subset, Float32Array.from(idx, (i) => sigmas[i] as number), size),
    );
  };
}
