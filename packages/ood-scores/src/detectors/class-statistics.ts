import { RunningMoments } from '../linear-algebra/running-moments';

/** Per-class means and the pooled within-class scatter of labelled features, in float64. */
export interface ClassStatistics {
  /** `[C, d]` class means. */
  readonly means: Float64Array;
  /** `[d, d]` sum over classes of each class's scatter about its own mean. */
  readonly withinScatter: Float64Array;
  /** Moments of all rows together (global mean and scatter). */
  readonly all: RunningMoments;
  readonly counts: Int32Array;
}

/** Class means, pooled within-class scatter and global moments of `values` `[n, d]` with labels `0..C-1`. */
export function classStatistics(values: Float32Array | Float64Array, labels: Int32Array, classes: number, d: number): ClassStatistics {
  const rowsByClass: number[][] = Array.from({ length: classes }, () => []);
  labels.forEach((label, row) => rowsByClass[label]?.push(row));
  const means = new Float64Array(classes * d);
  const withinScatter = new Float64Array(d * d);
  const all = new RunningMoments(d);
  const counts = new Int32Array(classes);
  rowsByClass.forEach((rows, c) => {
    const moments = new RunningMoments(d).add(values, rows);
    means.set(moments.mean(), c * d);
    const scatter = moments.scatter();
    for (let i = 0; i < scatter.length; i++) withinScatter[i] = (withinScatter[i] ?? 0) + (scatter[i] ?? 0);
    counts[c] = rows.length;
    all.merge(moments);
  });
  return { means, withinScatter, all, counts };
}
