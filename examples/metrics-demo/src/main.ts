/**
 * Metrics demo: three synthetic "detectors" whose ID and OOD scores are Gaussians with shrinking
 * overlap, scored with every @hvcm/metrics metric. Prints a table that names both FPR95 conventions
 * and draws the ROC curves and score histograms as SVG files.
 *
 * Run: `pnpm start` from the repository root (or `pnpm --filter @hvcm/example-metrics-demo start`).
 * Options: --out <dir> (default examples/metrics-demo/out), --n <samples per set> (default 10000), --seed.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { evaluateOod, formatEvaluationTable, rocCurve, rocCurveSvg, scoreHistogramSvg, type OodEvaluation, type RocCurve } from '@hvcm/metrics';
import { gaussianScores } from './gaussian-scores';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  // pnpm 12 passes a literal `--` through to the script (`pnpm start -- --n 5`): ignore it.
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    out: { type: 'string', default: resolve(here, '../out') },
    n: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '42' },
  },
});
const n = Number(values.n);
const seed = Number(values.seed);

/** Writes a file atomically: a reader never sees a half-written file. */
function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

// ID scores ~ N(separation, 1), OOD ~ N(0, 1): the larger the separation, the better the detector.
const detectors = { 'weak (d=0.5)': 0.5, 'medium (d=1.5)': 1.5, 'strong (d=3)': 3 };
const results: Record<string, OodEvaluation> = {};
const curves: Record<string, RocCurve> = {};
let strongest: { id: Float32Array; ood: Float32Array } | undefined;
for (const [index, [name, separation]] of Object.entries(detectors).entries()) {
  const id = gaussianScores(n, separation, seed + 2 * index);
  const ood = gaussianScores(n, 0, seed + 2 * index + 1);
  results[name] = evaluateOod(id, ood);
  curves[name] = rocCurve(id, ood);
  strongest = { id, ood };
}

console.log(`@hvcm/metrics demo: ${n} ID and ${n} OOD scores per detector (higher score = more in-distribution)\n`);
console.log(formatEvaluationTable(results, { mode: 'both' }));
console.log('\nFPR95 (ID positive): OOD accepted when 95 % of ID is accepted (ODIN, Energy, KNN papers).');
console.log('FPR95 (OOD positive): ID rejected when 95 % of OOD is rejected (HVCM release, OpenOOD).');

mkdirSync(values.out, { recursive: true });
const rocPath = join(values.out, 'roc.svg');
const histPath = join(values.out, 'histogram.svg');
writeAtomic(rocPath, rocCurveSvg(curves, { title: 'ROC curves of three synthetic detectors' }));
if (strongest) writeAtomic(histPath, scoreHistogramSvg({ ID: strongest.id, OOD: strongest.ood }, { title: 'Scores of the strong detector' }));
console.log(`\nDrawn: ${rocPath}\n       ${histPath}`);
