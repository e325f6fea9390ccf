import { InvalidArgumentError } from '../errors/invalid-argument-error';
import type { Scores } from '../input/score-types';
import { PALETTE, axes, document, legend, makeFrame } from './svg';

/**
 * An SVG of overlaid score histograms (density, shared bins), e.g. `{ 'ID (test)': id, 'OOD': ood }`.
 * Non-finite scores are not drawn. Bins span the finite range of all groups.
 */
export function scoreHistogramSvg(groups: Record<string, Scores>, options: { title?: string; bins?: number; width?: number; height?: number } = {}): string {
  const bins = options.bins ?? 50;
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const names = Object.keys(groups);
  let lo = Infinity;
  let hi = -Infinity;
  for (const name of names) {
    for (const v of groups[name] as Scores) {
      if (Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
  }
  if (!(lo <= hi)) throw new InvalidArgumentError('scoreHistogramSvg: expected at least one finite score, got none.');
  if (lo === hi) hi = lo + 1;
  const densities = names.map((name) => {
    const values = groups[name] as Scores;
    const counts = new Float64Array(bins);
    let total = 0;
    for (const v of values) {
      if (!Number.isFinite(v)) continue;
      const bin = Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins));
      counts[bin] = (counts[bin] as number) + 1;
      total++;
    }
    return counts.map((c) => c / Math.max(1, total) / ((hi - lo) / bins));
  });
  const top = Math.max(...densities.map((d) => Math.max(...d))) * 1.05 || 1;
  const frame = makeFrame(width, height, [lo, hi], [0, top]);
  const bars = densities.map((density, g) => {
    const color = PALETTE[g % PALETTE.length];
    return Array.from(density, (d, b) => {
      const x0 = frame.x(lo + ((hi - lo) * b) / bins);
      const x1 = frame.x(lo + ((hi - lo) * (b + 1)) / bins);
      return `<rect x="${x0.toFixed(1)}" y="${frame.y(d).toFixed(1)}" width="${(x1 - x0).toFixed(1)}" height="${(frame.y(0) - frame.y(d)).toFixed(1)}" fill="${color}" fill-opacity="0.45"/>`;
    }).join('');
  });
  const body = [
    axes(frame, [lo, hi], [0, top], { x: 'score (higher = more in-distribution)', y: 'density', title: options.title ?? 'Score histogram' }),
    ...bars,
    legend(frame, names, 'top-right'),
  ].join('\n');
  return document(width, height, body);
}
