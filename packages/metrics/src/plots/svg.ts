/** Minimal SVG building blocks shared by the plots: a square axes frame with ticks and labels. */

export interface Frame {
  readonly width: number;
  readonly height: number;
  readonly margin: number;
  /** Maps data x in [x0, x1] to pixels. */
  readonly x: (v: number) => number;
  /** Maps data y in [y0, y1] to pixels (up). */
  readonly y: (v: number) => number;
}

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function makeFrame(width: number, height: number, xRange: [number, number], yRange: [number, number]): Frame {
  const margin = 56;
  const [x0, x1] = xRange;
  const [y0, y1] = yRange;
  const spanX = x1 - x0 || 1;
  const spanY = y1 - y0 || 1;
  return {
    width,
    height,
    margin,
    x: (v) => margin + ((v - x0) / spanX) * (width - 2 * margin),
    y: (v) => height - margin - ((v - y0) / spanY) * (height - 2 * margin),
  };
}

/** Axes box, 5 ticks per axis, axis labels and a title. */
export function axes(frame: Frame, xRange: [number, number], yRange: [number, number], labels: { x: string; y: string; title: string }): string {
  const { width, height, margin } = frame;
  const parts: string[] = [
    `<rect x="${margin}" y="${margin}" width="${width - 2 * margin}" height="${height - 2 * margin}" fill="none" stroke="#333"/>`,
  ];
  for (let k = 0; k <= 4; k++) {
    const vx = xRange[0] + ((xRange[1] - xRange[0]) * k) / 4;
    const vy = yRange[0] + ((yRange[1] - yRange[0]) * k) / 4;
    parts.push(`<text x="${frame.x(vx).toFixed(1)}" y="${height - margin + 16}" text-anchor="middle" font-size="11">${formatTick(vx)}</text>`);
    parts.push(`<text x="${margin - 6}" y="${(frame.y(vy) + 4).toFixed(1)}" text-anchor="end" font-size="11">${formatTick(vy)}</text>`);
  }
  parts.push(`<text x="${width / 2}" y="${height - 14}" text-anchor="middle" font-size="13">${escapeXml(labels.x)}</text>`);
  parts.push(
    `<text x="16" y="${height / 2}" text-anchor="middle" font-size="13" transform="rotate(-90 16 ${height / 2})">${escapeXml(labels.y)}</text>`,
  );
  // Bold sans-serif glyphs average ~0.6 em: shrink a long title so it fits the width.
  const titleSize = Math.min(15, Math.floor((width - 16) / (0.6 * Math.max(1, labels.title.length))));
  parts.push(
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="${titleSize}" font-weight="bold">${escapeXml(labels.title)}</text>`,
  );
  return parts.join('\n');
}

export function document(width: number, height: number, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${body}\n</svg>\n`;
}

export function legend(frame: Frame, names: readonly string[], corner: 'bottom-right' | 'top-right'): string {
  const x = frame.width - frame.margin - 190;
  const yStart = corner === 'bottom-right' ? frame.height - frame.margin - 18 * names.length - 6 : frame.margin + 8;
  return names
    .map((name, i) => {
      const y = yStart + 18 * i;
      const color = PALETTE[i % PALETTE.length] ?? '#000';
      return `<rect x="${x}" y="${y}" width="12" height="12" fill="${color}"/><text x="${x + 18}" y="${y + 11}" font-size="12">${escapeXml(name)}</text>`;
    })
    .join('\n');
}

function formatTick(v: number): string {
  return Math.abs(v) >= 100 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : Number(v.toFixed(2)).toString();
}
