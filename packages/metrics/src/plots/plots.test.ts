import { describe, expect, it } from 'vitest';
import { rocCurveSvg } from './roc-curve-svg';
import { scoreHistogramSvg } from './histogram-svg';
import { rocCurve } from '../curves/roc-curve';
import { InvalidArgumentError } from '../errors/invalid-argument-error';

describe('plots', () => {
  it('draws one polyline per ROC curve through its vertices', () => {
    const svg = rocCurveSvg({ a: rocCurve([1, 2], [0]), 'b & c': rocCurve([0], [1]) }, { size: 456 });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('b &amp; c');
    // Frame: margin 56, 456 px -> unit square maps to [56, 400]. Curve a: (0,0), (0,.5), (0,1), (1,1), then the end again.
    expect(svg).toContain('points="56.0,400.0 56.0,228.0 56.0,56.0 400.0,56.0 400.0,56.0"');
  });

  it('draws histogram bars whose total area is 1 per group', () => {
    const svg = scoreHistogramSvg({ id: [0, 1, 1, 2], ood: [0, 0] }, { bins: 4, width: 512, height: 400 });
    expect(svg.match(/<rect x=/g)?.length).toBeGreaterThanOrEqual(8);
    expect(() => scoreHistogramSvg({ id: [Number.NaN] })).toThrow(InvalidArgumentError);
  });
});
