/**
 * Benchmark: every @hvcm/metrics metric on 10 million scores (5 M ID, 5 M OOD, Float32Array).
 * Prints wall time per call and the peak resident memory above the inputs.
 * Run: `pnpm bench metrics` (options: --n 10000000 --float64).
 */
import { parseArgs } from 'node:util';
import { normalSource } from '../shared/normal-source';
import { auroc, auprIn, evaluateOod, fprAtTpr, thresholdAtTpr } from '@hvcm/metrics';

const { values } = parseArgs({ args: process.argv.slice(2).filter((arg) => arg !== '--'), options: { n: { type: 'string', default: '10000000' }, float64: { type: 'boolean', default: false } } });
const total = Number(values.n);
const Typed = values.float64 ? Float64Array : Float32Array;

function normals(n: number, mean: number, seed: number): Float32Array | Float64Array {
  const normal = normalSource(seed);
  const out = new Typed(n);
  for (let i = 0; i < n; i++) out[i] = mean + normal();
  return out;
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const id = normals(total / 2, 1, 1);
const ood = normals(total / 2, 0, 2);
(globalThis as { gc?: () => void }).gc?.();
const inputBytes = id.byteLength + ood.byteLength;
const baseRss = process.memoryUsage().rss;

console.log(`@hvcm/metrics benchmark: ${total.toLocaleString()} scores (${Typed.name}, inputs ${mib(inputBytes)}), node ${process.version}`);
const rows: [string, () => unknown][] = [
  ['auroc', () => auroc(id, ood)],
  ['auprIn', () => auprIn(id, ood)],
  ['fprAtTpr (ID positive, first-crossing)', () => fprAtTpr(id, ood)],
  ['thresholdAtTpr (ID only)', () => thresholdAtTpr(id)],
  ['evaluateOod (all metrics, one sort)', () => evaluateOod(id, ood)],
];
for (const [name, run] of rows) {
  const start = performance.now();
  const result = run();
  const seconds = (performance.now() - start) / 1000;
  const shown = typeof result === 'number' ? result.toFixed(6) : `auroc ${(result as { auroc: number }).auroc.toFixed(6)}`;
  console.log(`${name.padEnd(42)} ${seconds.toFixed(2).padStart(6)} s   ${shown}`);
}
const peakRss = process.resourceUsage().maxRSS * 1024;
console.log(`peak RSS above the inputs: ${mib(peakRss - baseRss)} (${((peakRss - baseRss) / inputBytes).toFixed(2)} x the input size)`);
