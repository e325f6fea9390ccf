import type { OodEvaluation } from './evaluate-ood';

export interface FormatTableOptions {
  /** FPR reading shown in the two FPR columns. Default `'first-crossing'`. */
  readonly mode: 'first-crossing' | 'interpolated' | 'both';
  /** Decimal places of the percentages. Default 2. */
  readonly digits: number;
}

/**
 * A plain-text table (one row per named evaluation, percentages) whose FPR columns always say
 * their convention, e.g. "FPR95 (ID positive)". Meant for terminals and logs.
 */
export function formatEvaluationTable(rows: Record<string, OodEvaluation>, options: Partial<FormatTableOptions> = {}): string {
  const mode = options.mode ?? 'first-crossing';
  const digits = options.digits ?? 2;
  const entries = Object.entries(rows);
  const tpr = Math.round(100 * (entries[0]?.[1].targetTpr ?? 0.95));
  const fprColumns: [string, (e: OodEvaluation) => number][] = [];
  const readings: ('firstCrossing' | 'interpolated')[] =
    mode === 'both' ? ['firstCrossing', 'interpolated'] : [mode === 'first-crossing' ? 'firstCrossing' : 'interpolated'];
  for (const reading of readings) {
    const suffix = mode === 'both' ? (reading === 'firstCrossing' ? ', first' : ', interp') : '';
    fprColumns.push([`FPR${tpr} (ID positive${suffix})`, (e) => e.fprIdPositive[reading]]);
    fprColumns.push([`FPR${tpr} (OOD positive${suffix})`, (e) => e.fprOodPositive[reading]]);
  }
  const columns: [string, (e: OodEvaluation) => number][] = [
    ['AUROC', (e) => e.auroc],
    ['AUPR-In', (e) => e.auprIn],
    ['AUPR-Out', (e) => e.auprOut],
    ...fprColumns,
  ];
  const header = ['', ...columns.map(([name]) => name)];
  const body = entries.map(([name, e]) => [name, ...columns.map(([, get]) => (100 * get(e)).toFixed(digits))]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((row) => (row[c] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
