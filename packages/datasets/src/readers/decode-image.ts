import sharp from 'sharp';
import { InvalidArgumentError } from '@hvcm/metrics';

/** How a decoded image is brought to the output size. */
export type ResizeMode = 'center-crop' | 'stretch';

/** Resampling filter of the resize (sharp kernels: 'linear', 'cubic' = Catmull-Rom as PIL's bicubic, 'lanczos3', 'nearest'). */
export type Interpolation = 'bilinear' | 'bicubic' | 'lanczos' | 'nearest';

const KERNELS = { bilinear: 'linear', bicubic: 'cubic', lanczos: 'lanczos3', nearest: 'nearest' } as const;

/** Options that fix the output of image decoding. */
export interface ImageDecodeOptions {
  /** Output size: one number for square images, or `[height, width]`. */
  size: number | readonly [number, number];
  /**
   * 'center-crop' (default): scale so the shorter side is `resizeShorterTo`, then cut the
   * centre `size` out (torchvision `Resize(s)` + `CenterCrop(size)`). 'stretch': resize straight
   * to `size`, ignoring the aspect ratio.
   */
  resize?: ResizeMode;
  /** Shorter side before the centre crop (e.g. 256 for a 224 crop). Default: the larger of `size`. */
  resizeShorterTo?: number;
  /**
   * Resampling filter. Default 'bilinear' (torchvision `Resize`'s default; with sharp's
   * antialiasing on reduction, like PIL). DINO's evaluation uses 'bicubic'.
   */
  interpolation?: Interpolation;
  /**
   * 3 (RGB, default; grey images are replicated, alpha dropped) or 1 (luma from RGB with PIL's
   * ITU-R 601 weights, as torchvision's `Grayscale` / PIL `convert('L')`).
   */
  channels?: 1 | 3;
}

/** Validated decode settings. */
export interface ResolvedDecodeOptions {
  readonly height: number;
  readonly width: number;
  readonly resize: ResizeMode;
  readonly resizeShorterTo: number;
  readonly channels: 1 | 3;
  readonly interpolation: Interpolation;
}

/** Checks `options` and fills defaults. */
export function resolveDecodeOptions(options: ImageDecodeOptions): ResolvedDecodeOptions {
  const [height, width] = typeof options.size === 'number' ? [options.size, options.size] : options.size;
  for (const [name, value] of [
    ['height', height],
    ['width', width],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new InvalidArgumentError(`expected a positive integer output ${name}, got ${value}.`);
    }
  }
  const resize = options.resize ?? 'center-crop';
  if (resize !== 'center-crop' && resize !== 'stretch') {
    throw new InvalidArgumentError(`expected resize 'center-crop' or 'stretch', got ${JSON.stringify(resize)}.`);
  }
  const resizeShorterTo = options.resizeShorterTo ?? Math.max(height, width);
  if (!Number.isInteger(resizeShorterTo) || resizeShorterTo < Math.max(height, width)) {
    throw new InvalidArgumentError(
      `expected resizeShorterTo to be an integer >= the crop size ${Math.max(height, width)}, got ${resizeShorterTo}.`,
    );
  }
  const channels = options.channels ?? 3;
  if (channels !== 1 && channels !== 3) {
    throw new InvalidArgumentError(`expected channels 1 or 3, got ${channels}.`);
  }
  const interpolation = options.interpolation ?? 'bilinear';
  if (!(interpolation in KERNELS)) {
    throw new InvalidArgumentError(
      `expected interpolation 'bilinear', 'bicubic', 'lanczos' or 'nearest', got ${JSON.stringify(interpolation)}.`,
    );
  }
  return { height: height as number, width: width as number, resize, resizeShorterTo, channels, interpolation };
}

/**
 * Decodes one JPEG/PNG/WebP file (or buffer) with sharp to uint8 `[height, width, channels]`,
 * applying EXIF orientation, then resizing as `options` say. Rejects with sharp's error for
 * files it cannot decode (callers wrap it with the file name).
 */
export async function decodeImage(input: string | Uint8Array, options: ResolvedDecodeOptions): Promise<Uint8Array> {
  const { height, width, channels } = options;
  // failOn 'error': tolerate warnings (odd metadata) but not truncated or broken data.
  let pipeline = sharp(input, { failOn: 'error' }).rotate();
  // Always decode to sRGB; a 1-channel output is computed below with PIL's luma weights (libvips'
  // own greyscale works in linear light and gives other values than the PyTorch pipelines).
  pipeline = pipeline.removeAlpha().toColourspace('srgb');
  const kernel = KERNELS[options.interpolation];
  const stretch = options.resize === 'stretch';
  if (stretch) {
    pipeline = pipeline.resize({ width, height, fit: 'fill', kernel });
  } else {
    // Scale so the shorter side is resizeShorterTo; the centre crop is cut below, once the
    // scaled size is known, with torchvision's offsets.
    const side = options.resizeShorterTo;
    pipeline = pipeline.resize({ width: side, height: side, fit: 'outside', kernel });
  }
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  const pixels = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const top = stretch ? 0 : centerOffset(info.height, height);
  const left = stretch ? 0 : centerOffset(info.width, width);
  if (info.channels === channels && info.width === width && info.height === height) {
    return pixels;
  }
  if (info.width < left + width || info.height < top + height || left < 0 || top < 0) {
    throw new Error(`decoded to ${info.width}x${info.height}, smaller than the ${width}x${height} output`);
  }
  return cropAndFixChannels(pixels, info.width, info.channels, top, left, height, width, channels);
}

/**
 * torchvision `center_crop`'s offset: `int(round((size - crop) / 2))`, Python's round (half to even).
 */
export function centerOffset(size: number, crop: number): number {
  const half = (size - crop) / 2;
  const floor = Math.floor(half);
  if (half - floor !== 0.5) return Math.round(half);
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Copies a `[height, width]` window at (top, left) and maps the source channel count to `channels`. */
function cropAndFixChannels(
  src: Uint8Array,
  srcWidth: number,
  srcChannels: number,
  top: number,
  left: number,
  height: number,
  width: number,
  channels: 1 | 3,
): Uint8Array {
  const out = new Uint8Array(height * width * channels);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const s = ((top + y) * srcWidth + left + x) * srcChannels;
      const d = (y * width + x) * channels;
      if (channels === 1) {
        out[d] =
          srcChannels >= 3
            ? ((src[s] as number) * 19595 + (src[s + 1] as number) * 38470 + (src[s + 2] as number) * 7471 + 0x8000) >>> 16
            : (src[s] as number);
      } else if (srcChannels >= 3) {
        out[d] = src[s] as number;
        out[d + 1] = src[s + 1] as number;
        out[d + 2] = src[s + 2] as number;
      } else {
        const v = src[s] as number;
        out[d] = v;
        out[d + 1] = v;
        out[d + 2] = v;
      }
    }
  }
  return out;
}
