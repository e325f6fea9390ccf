import type { RocCurve } from '../curves/roc-curve';
import { PALETTE, axes, document, legend, makeFrame } from './svg';

/**
 * An SVG drawing of one or more ROC curves (FPR on x, TPR on y) with the chance diagonal, e.g.
 * `rocCurveSvg({ msp: rocCurve(id, ood) })`. Curves with many points are thinned to at most
 * `maxPoints` vertices (keeping the first and last) so files stay small.
 */
export function rocCurveSvg(curves: Record<string, RocCurve>, options: { title?: string; size?: number; maxPoints?: number } = {}): string {
  const size = options.size ?? 480;
  const maxPoints = options.maxPoints ?? 2000;
  const frame = makeFrame(size, size, [0, 1], [0, 1]);
  const names = Object.keys(curves);
  const paths = names.map((name, c) => {
    const { fpr, tpr } = curves[name] as RocCurve;
    const step = Math.max(1, Math.ceil(fpr.length / maxPoints));
    const points: string[] = [];
    for (let i = 0; i < fpr.length; i += step) points.push(`${frame.x(fpr[i] as number).toFixed(1)},${frame.y(tpr[i] as number).toFixed(1)}`);
    points.push(`${frame.x(fpr[fpr.length - 1] as number).toFixed(1)},${frame.y(tpr[tpr.length - 1] as number).toFixed(1)}`);
    return `<polyline fill="none" stroke="${PALETTE[c % PALETTE.length]}" stroke-width="2" points="${points.join(' ')}"/>`;
  });
  const diagonal = `<line x1="${frame.x(0)}" y1="${frame.y(0)}" x2="${frame.x(1)}" y2="${frame.y(1)}" stroke="#999" stroke-dasharray="4 4"/>`;
  const body = [
    axes(frame, [0, 1], [0, 1], { x: 'false-positive rate', y: 'true-positive rate', title: options.title ?? 'ROC curve' }),
    diagonal,
    ...paths,
    legend(frame, names, 'bottom-right'),
  ].join('\n');
  return document(size, size, body);
}
