/**
 * Benchmark: HVCM scoring (class x group Gaussians) samples/s, the straightforward per-class loop
 * against the stacked-GEMM fast path of @hvcm/ood-scores (used by @hvcm/grouped-gmm's HvcmScorer),
 * with the max abs difference of their scores. Sizes: (K 10, M 32, d 32) on wasm and cpu, and the
 * paper's (K 100, M 32, d 256) on wasm. Random well-conditioned factors; ID samples drawn from the
 * classes' Gaussians and OOD samples from N(0, 2^2) (the full paths' cost does not depend on the data,
 * the pruned path's does).
 * Run: `pnpm bench grouped-gmm` (options: --sizes small,paper --n 256 --backends wasm,cpu
 * --variants 'classBlock,rows,sum|matmul,prune|full;...' to compare scorer settings, --skip-loop,
 * --sizes custom --K 20 --M 8 --d 256 for other sizes).
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { GroupedGaussianScorer, type GroupedGaussianModel, type GroupedGaussianScorerOptions } from '@hvcm/ood-scores';
import { normalSource } from '../shared/normal-source';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: 'small,paper' },
    n: { type: 'string', default: '' },
    backends: { type: 'string', default: 'wasm,cpu' },
    variants: { type: 'string', default: '' },
    'skip-loop': { type: 'boolean', default: false },
    'loop-n': { type: 'string', default: '' },
    K: { type: 'string', default: '20' },
    M: { type: 'string', default: '8' },
    d: { type: 'string', default: '256' },
  },
});

/** Random model: means N(0, 1); L^-1 lower triangular, diagonal in [0.5, 1.5], off-diagonal N(0, 0.3^2 / d). */
function randomModel(K: number, M: number, d: number, seed: number): GroupedGaussianModel {
  const normal = normalSource(seed);
  const whitening = new Float64Array(K * M * d * d);
  const off = 0.3 / Math.sqrt(d);
  for (let b = 0; b < K * M; b++) {
    const base = b * d * d;
    for (let r = 0; r < d; r++) {
      for (let c = 0; c < r; c++) whitening[base + r * d + c] = off * normal();
      whitening[base + r * d + r] = 1 + 0.5 * Math.tanh(normal());
    }
  }
  const weights = new Float64Array(K * M);
  for (let k = 0; k < K; k++) {
    let sum = 0;
    for (let j = 0; j < M; j++) sum += (weights[k * M + j] = Math.exp(normal()));
    for (let j = 0; j < M; j++) weights[k * M + j] = (weights[k * M + j] ?? 0) / sum;
  }
  return { numClasses: K, numGroups: M, groupDim: d, means: Float64Array.from({ length: K * M * d }, normal), whitening, groupWeights: weights };
}

/** n samples, each from a random class: a_j = mu + (L^-1)^-1 z (forward substitution). */
function sampleId(model: GroupedGaussianModel, n: number, seed: number): Float32Array {
  const { numClasses: K, numGroups: M, groupDim: d } = model;
  const normal = normalSource(seed);
  const out = new Float32Array(n * M * d);
  const x = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const k = Math.floor(((i * 2654435761) >>> 0) / 4294967296 * K);
    for (let j = 0; j < M; j++) {
      const base = (k * M + j) * d * d;
      for (let r = 0; r < d; r++) {
        let v = normal();
        for (let c = 0; c < r; c++) v -= (model.whitening[base + r * d + c] ?? 0) * (x[c] ?? 0);
        x[r] = v / (model.whitening[base + r * d + r] ?? 1);
      }
      for (let r = 0; r < d; r++) out[(i * M + j) * d + r] = (x[r] ?? 0) + (model.means[(k * M + j) * d + r] ?? 0);
    }
  }
  return out;
}

/** The straightforward per-class loop: for each class, for each group, one [n, d] x [d, d] matMul. */
class PerClassLoop {
  private readonly factors: tf.Tensor2D[] = [];
  private readonly offsets: tf.Tensor2D[] = [];
  constructor(private readonly model: GroupedGaussianModel) {
    const { numClasses: K, numGroups: M, groupDim: d } = model;
    for (let k = 0; k < K; k++) {
      for (let j = 0; j < M; j++) {
        const b = (k * M + j) * d * d;
        const f = new Float32Array(d * d);
        const o = new Float32Array(d);
        for (let r = 0; r < d; r++) {
          let dot = 0;
          for (let t = 0; t <= r; t++) {
            f[t * d + r] = model.whitening[b + r * d + t] ?? 0;
            dot += (model.whitening[b + r * d + t] ?? 0) * (model.means[(k * M + j) * d + t] ?? 0);
          }
          o[r] = dot;
        }
        this.factors.push(tf.tensor2d(f, [d, d]));
        this.offsets.push(tf.tensor2d(o, [1, d]));
      }
    }
  }
  async score(x: tf.Tensor2D): Promise<Float32Array> {
    const { numClasses: K, numGroups: M, groupDim: d } = this.model;
    const n = x.shape[0];
    let best: tf.Tensor1D | null = null;
    for (let k = 0; k < K; k++) {
      let acc: tf.Tensor1D | null = null;
      for (let j = 0; j < M; j++) {
        const prev: tf.Tensor1D | null = acc;
        acc = tf.tidy(() => {
          const z = tf.sub(tf.matMul(tf.slice(x, [0, j * d], [n, d]), this.factors[k * M + j] as tf.Tensor2D), this.offsets[k * M + j] as tf.Tensor2D);
          const term = tf.mul(tf.sum(tf.square(z), 1), 0.5 * (this.model.groupWeights[k * M + j] ?? 0)) as tf.Tensor1D;
          return prev === null ? term : (tf.add(prev, term) as tf.Tensor1D);
        });
        prev?.dispose();
      }
      const prevBest: tf.Tensor1D | null = best;
      best = prevBest === null ? acc : tf.tidy(() => tf.minimum(prevBest, acc as tf.Tensor1D) as tf.Tensor1D);
      if (prevBest !== null) tf.dispose([prevBest, acc as tf.Tensor1D]);
    }
    const neg = tf.neg(best as tf.Tensor1D);
    const out = (await neg.data()) as Float32Array;
    tf.dispose([neg, best as tf.Tensor1D]);
    return out;
  }
  dispose(): void {
    tf.dispose([...this.factors, ...this.offsets]);
  }
}

async function timeIt(label: string, n: number, run: () => Promise<Float32Array>, minSeconds: number): Promise<{ rate: number; scores: Float32Array }> {
  await run(); // warm-up (uploads, operator caches)
  let scores: Float32Array;
  let count = 0;
  const start = performance.now();
  do {
    scores = await run();
    count += n;
  } while ((performance.now() - start) / 1000 < minSeconds);
  const seconds = (performance.now() - start) / 1000;
  const rate = count / seconds;
  console.log(`  ${label.padEnd(44)} ${rate.toFixed(1).padStart(9)} samples/s`);
  return { rate, scores };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): { abs: number; rel: number } {
  let abs = 0;
  let rel = 0;
  for (let i = 0; i < a.length; i++) {
    const diff = Math.abs((a[i] ?? 0) - (b[i] ?? 0));
    abs = Math.max(abs, diff);
    rel = Math.max(rel, diff / Math.max(1, Math.abs(b[i] ?? 0)));
  }
  return { abs, rel };
}

const sizes: Record<string, { K: number; M: number; d: number; n: number; backends: string[] }> = {
  small: { K: 10, M: 32, d: 32, n: 512, backends: ['wasm', 'cpu'] },
  paper: { K: 100, M: 32, d: 256, n: 1024, backends: ['wasm'] },
  custom: { K: Number(values.K), M: Number(values.M), d: Number(values.d), n: 128, backends: ['wasm', 'cpu'] },
};

console.log(`@hvcm/grouped-gmm scoring benchmark (node ${process.version}, tfjs ${tf.version_core})`);
for (const sizeName of values.sizes.split(',')) {
  const size = sizes[sizeName];
  if (!size) throw new Error(`unknown size ${sizeName}; use small or paper`);
  const n = values.n ? Number(values.n) : size.n;
  const { K, M, d } = size;
  const mflop = (2 * K * M * d * d) / 1e6;
  console.log(`\n${sizeName}: K ${K}, M ${M}, d ${d} (${mflop.toFixed(1)} MFLOP per sample in the GEMMs), ${n} ID samples per call`);
  const model = randomModel(K, M, d, 7);
  const data = sampleId(model, n, 8);
  const oodNormal = normalSource(9);
  const ood = Float32Array.from({ length: n * M * d }, () => 2 * oodNormal());
  for (const backend of size.backends.filter((b) => values.backends.split(',').includes(b))) {
    await tf.setBackend(backend);
    await tf.ready();
    console.log(` backend ${tf.getBackend()}`);
    const x = tf.tensor2d(data, [n, M * d]);
    const xOod = tf.tensor2d(ood, [n, M * d]);
    const minSeconds = backend === 'cpu' ? 3 : 5;
    // the slow loop runs on the first loopN rows (its rate does not depend on the batch much)
    const loopN = Math.min(n, values['loop-n'] ? Number(values['loop-n']) : 128);
    let slow: { rate: number; scores: Float32Array } = { rate: Number.NaN, scores: new Float32Array(loopN) };
    let slowOod: { rate: number; scores: Float32Array } = { rate: Number.NaN, scores: new Float32Array(loopN) };
    if (!values['skip-loop']) {
      const loop = new PerClassLoop(model);
      const head = tf.slice(x, [0, 0], [loopN, M * d]);
      const headOod = tf.slice(xOod, [0, 0], [loopN, M * d]);
      slow = await timeIt(`per-class loop (K x M matMuls [n,d]x[d,d]), ID, ${loopN} rows`, loopN, () => loop.score(head), minSeconds);
      slowOod = await timeIt(`per-class loop, OOD, ${loopN} rows`, loopN, () => loop.score(headOod), minSeconds);
      tf.dispose([head, headOod]);
      loop.dispose();
    }
    const variants: [string, GroupedGaussianScorerOptions][] = values.variants
      ? values.variants.split(';').map((v) => {
          const [cb, rows, reduction, pruning] = v.split(',');
          const options: GroupedGaussianScorerOptions = {
            ...(cb ? { classBlockSize: Number(cb) } : {}),
            ...(rows ? { rowsPerChunk: Number(rows) } : {}),
            ...(reduction === 'sum' || reduction === 'matmul' ? { reduction } : {}),
            pruning: pruning === 'prune',
          };
          return [`fast: ${v}`, options];
        })
      : [
          ['fast: stacked GEMM, no pruning', { pruning: false }],
          ['fast: stacked GEMM + exact pruning', { pruning: true }],
        ];
    for (const [label, options] of variants) {
      const scorer = new GroupedGaussianScorer(model, options);
      for (const [set, input, reference] of [['ID', x, slow], ['OOD', xOod, slowOod]] as const) {
        const fast = await timeIt(`${label} [rows ${scorer.rowsPerChunk}, ${scorer.reduction}], ${set}`, n, async () => (await scorer.score(input)).scores, minSeconds);
        // without the loop, the first variant is the reference
        if (values['skip-loop'] && Number.isNaN(reference.rate)) Object.assign(reference, { rate: fast.rate, scores: fast.scores.slice(0, loopN) });
        const diff = maxAbsDiff(fast.scores.subarray(0, loopN), reference.scores);
        if (scorer.pruning) {
          const rows = Math.min(n, scorer.rowsPerChunk);
          const head = tf.slice(input, [0, 0], [rows, M * d]);
          const stats = await scorer.minimumWithPruning(head);
          head.dispose();
          console.log(`    pruning on ${rows} rows: ${stats.mode}, ${((100 * stats.pairsEvaluated) / (rows * K * M)).toFixed(1)} % of the (sample, class, group) blocks evaluated`);
        }
        console.log(`    speed-up ${(fast.rate / reference.rate).toFixed(2)}x, ${((fast.rate * mflop) / 1000).toFixed(1)} GFLOP/s-equivalent, max |diff| vs reference on ${loopN} rows ${diff.abs.toExponential(2)} (relative ${diff.rel.toExponential(2)})`);
      }
      scorer.dispose();
    }
    tf.dispose([x, xOod]);
  }
}
