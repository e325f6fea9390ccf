/**
 * Post-hoc OOD scores on your own features/logits: fits every detector of @hvcm/ood-scores on the
 * training split, scores test ID and test OOD, and prints AUROC, AUPR-In/Out and both FPR95
 * conventions for each (via @hvcm/metrics' evaluateOod).
 *
 * Run: `pnpm --filter @hvcm/example-posthoc-scores start` (the demo file), or
 *      `pnpm --filter @hvcm/example-posthoc-scores start -- --data <file.json | dir with .npy files>`.
 * Options: --data <path>, --backend wasm|cpu (default wasm, or HVCM_BACKEND), --k <KNN k, default 50>.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { evaluateOod, formatEvaluationTable, type OodEvaluation } from '@hvcm/metrics';
import { createDetector, type Detector, type FeatureInput } from '@hvcm/ood-scores';
import { loadPosthocData, type PosthocData, type Split } from './load-data';
import { detectorPlans } from './plans';

const here = dirname(fileURLToPath(import.meta.url));
// pnpm passes a literal `--` through to the script (`pnpm start -- --data x`): drop it.
const argv = process.argv.slice(2);
const { values } = parseArgs({
  args: argv[0] === '--' ? argv.slice(1) : argv,
  options: {
    data: { type: 'string', default: resolve(here, '../data/demo.json') },
    backend: { type: 'string', default: process.env.HVCM_BACKEND ?? 'wasm' },
    k: { type: 'string', default: '50' },
  },
});

// pnpm runs the script inside this package; a relative --data path means relative to where the
// command was typed (pnpm's INIT_CWD), not to this folder.
const dataPath = resolve(process.env.INIT_CWD ?? process.cwd(), values.data);
let data: PosthocData;
try {
  data = loadPosthocData(dataPath);
} catch (error) {
  console.error(`cannot load ${dataPath}: ${(error as Error).message}`);
  process.exit(1);
}
await tf.setBackend(values.backend);
await tf.ready();
const describe = (s: Split): string =>
  `${s.rows} rows${s.features ? `, features d ${s.features.shape[1]}` : ''}${s.logits ? `, logits C ${s.logits.shape[1]}` : ''}`;
console.log(`data: ${dataPath}`);
console.log(`  train ${describe(data.train)}; test ID ${describe(data.testId)}; test OOD ${describe(data.testOod)}`);
console.log(`  final linear layer: ${data.linear ? `[${data.linear.weight.shape.join(', ')}]` : 'none (ViM, ReAct and ODIN are skipped)'}; backend ${tf.getBackend()}\n`);

const rows: Record<string, OodEvaluation> = {};
for (const plan of detectorPlans(data, { k: Number(values.k) })) {
  if (plan.skip) {
    console.log(`skip ${plan.label}: ${plan.skip}`);
    continue;
  }
  const detector = createDetector(plan.name, plan.options) as Detector<FeatureInput>;
  try {
    const start = performance.now();
    await detector.fit(plan.input(data.train), data.train.labels);
    const id = await detector.score(plan.input(data.testId));
    const ood = await detector.score(plan.input(data.testOod));
    rows[plan.label] = evaluateOod(id, ood);
    console.log(`${plan.label.padEnd(24)} fit + score ${((performance.now() - start) / 1000).toFixed(2)} s`);
  } finally {
    detector.dispose();
  }
}
console.log(`\nTest ID ${data.testId.rows} vs test OOD ${data.testOod.rows}; scores: higher = more in-distribution. Percent:\n`);
console.log(formatEvaluationTable(rows));
console.log('\nFPR95 (ID positive): OOD accepted when 95 % of ID is accepted (ODIN/Energy/KNN papers).');
console.log('FPR95 (OOD positive): ID rejected when 95 % of OOD is rejected (HVCM release, OpenOOD).');
