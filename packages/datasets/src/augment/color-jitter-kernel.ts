import { LUMA_WEIGHTS } from './color-space';

/** Adjustment ids, in torchvision's `ColorJitter` numbering. */
export const BRIGHTNESS = 0;
export const CONTRAST = 1;
export const SATURATION = 2;
export const HUE = 3;

const [WR, WG, WB] = LUMA_WEIGHTS;

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/**
 * Applies the adjustments `order` with `factors` (indexed by adjustment id) to one sample in place:
 * `data[offset .. offset + pixels * channels)` holds its `[h, w, c]` pixels, c = 1 or 3. Same
 * formulas as `adjustBrightness`, `adjustContrast`, `adjustSaturation`, `adjustHue` (torchvision),
 * in float64 per pixel. This is the CPU kernel behind `colorJitter`: one pass per adjustment over
 * the pixels instead of ~40 tensor ops per group of samples, which on wasm and cpu is an order of
 * magnitude faster (the HSV round trip alone is ~30 elementwise tensor ops).
 */
export function jitterSampleInPlace(
  data: Float32Array,
  offset: number,
  pixels: number,
  channels: number,
  order: readonly number[],
  factors: readonly number[],
): void {
  const end = offset + pixels * channels;
  for (const op of order) {
    const f = factors[op] as number;
    if (op === BRIGHTNESS) {
      for (let i = offset; i < end; i += 1) data[i] = clamp01((data[i] as number) * f);
    } else if (op === CONTRAST) {
      let sum = 0;
      if (channels === 1) {
        for (let i = offset; i < end; i += 1) sum += data[i] as number;
      } else {
        for (let i = offset; i < end; i += 3) {
          sum += WR * (data[i] as number) + WG * (data[i + 1] as number) + WB * (data[i + 2] as number);
        }
      }
      const mean = (1 - f) * (sum / pixels);
      for (let i = offset; i < end; i += 1) data[i] = clamp01(f * (data[i] as number) + mean);
    } else if (channels === 3 && op === SATURATION) {
      for (let i = offset; i < end; i += 3) {
        const r = data[i] as number;
        const g = data[i + 1] as number;
        const b = data[i + 2] as number;
        const gray = (1 - f) * (WR * r + WG * g + WB * b);
        data[i] = clamp01(f * r + gray);
        data[i + 1] = clamp01(f * g + gray);
        data[i + 2] = clamp01(f * b + gray);
      }
    } else if (channels === 3 && op === HUE) {
      for (let i = offset; i < end; i += 3) shiftHuePixel(data, i, f);
    }
  }
}

/** torchvision `_rgb2hsv`, hue + shift (mod 1), `_hsv2rgb` on the pixel at `data[i .. i + 2]`. */
function shiftHuePixel(data: Float32Array, i: number, shift: number): void {
  const r = data[i] as number;
  const g = data[i + 1] as number;
  const b = data[i + 2] as number;
  const maxc = Math.max(r, g, b);
  const minc = Math.min(r, g, b);
  if (maxc === minc) return; // gray: saturation 0, every hue gives the same color
  const chroma = maxc - minc;
  const s = chroma / maxc;
  const rc = (maxc - r) / chroma;
  const gc = (maxc - g) / chroma;
  const bc = (maxc - b) / chroma;
  let h = maxc === r ? bc - gc : maxc === g ? 2 + rc - bc : 4 + gc - rc;
  h = h / 6 + 1 + shift;
  h -= Math.floor(h);
  const h6 = h * 6;
  const vs = maxc * s;
  data[i] = maxc - vs * ramp((5 + h6) % 6);
  data[i + 1] = maxc - vs * ramp((3 + h6) % 6);
  data[i + 2] = maxc - vs * ramp((1 + h6) % 6);
}

function ramp(t: number): number {
  const m = Math.min(t, 4 - t);
  return m < 0 ? 0 : m > 1 ? 1 : m;
}
