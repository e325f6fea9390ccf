/**
 * How much ridge each class x group covariance needed before its Cholesky factorisation succeeded
 * (`eps * trace(S)/d * I`, added only when plain Cholesky fails). Reported, never hidden.
 */
export interface GroupedRidgeReport {
  /** Absolute ridge added to each block's diagonal, `[K, M]` (0 where none was needed). */
  readonly ridge: Float64Array;
  /** Relative ridge `eps` of each block, `[K, M]` (0 where none was needed). */
  readonly eps: Float64Array;
  /** Samples per class `[K]`. */
  readonly classCounts: Float64Array;
  /** Number of blocks (K x M). */
  readonly blocks: number;
  /** Blocks that needed a ridge. */
  readonly blocksWithRidge: number;
  /** Largest relative ridge used (0 when none). */
  readonly maxEps: number;
  /** Largest absolute ridge used (0 when none). */
  readonly maxRidge: number;
}

/** A one-line human summary of a ridge report. */
export function formatGroupedRidgeReport(report: GroupedRidgeReport): string {
  if (report.blocksWithRidge === 0) return `ridge: none needed (${report.blocks} blocks factored as they are)`;
  return (
    `ridge: ${report.blocksWithRidge} of ${report.blocks} blocks needed one ` +
    `(largest eps ${report.maxEps.toExponential(1)} x trace/d = ${report.maxRidge.toExponential(3)})`
  );
}
