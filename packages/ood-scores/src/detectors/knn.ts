import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@hvcm/metrics';
import { BaseDetector } from '../base-detector';
import type { FeatureInput, SerializedDetector } from '../detector';
import { toFeatureMatrix } from '../input/feature-matrix';
import { checkSerialized, readNumber, readNumbers } from '../serialization';
import { checkInteger } from './check-options';

/** Options of {@link KnnDetector}. */
export interface KnnOptions {
  /** Which nearest neighbour's distance is the score. Default 50 (the paper's CIFAR-10 value, OpenOOD). */
  readonly k?: number;
  /** Test rows per chunk. Default 512. */
  readonly batchSize?: number;
  /** Training rows per similarity block: bounds the `[batchSize, trainChunk]` intermediate. Default 8192. */
  readonly trainChunk?: number;
}

/** Rows `[n, d]` divided by their L2 norm (a zero row stays zero). Inside `tf.tidy`. */
function normalizeRows(x: tf.Tensor2D): tf.Tensor2D {
  const norms = tf.sqrt(tf.sum(tf.square(x), 1, true));
  return tf.div(x, tf.maximum(norms, tf.scalar(1e-12)));
}

/**
 * Deep nearest neighbours: `score(x) = -|z - z_(k)|`, minus the Euclidean distance from the
 * L2-normalised feature `z` to its k-th nearest L2-normalised training feature. Sun, Ming, Zhu & Li,
 * "Out-of-Distribution Detection with Deep Nearest Neighbors", ICML 2022. Exact search: for unit
 * vectors `|a - b|^2 = 2 - 2 a.b`, so each block of similarities is one matMul, reduced with top-k
 * block by block (test rows and training rows both chunked). Takes features `[n, d]`; no labels.
 */
export class KnnDetector extends BaseDetector<FeatureInput> {
  readonly kind = 'knn';
  static readonly version = 1;
  readonly k: number;
  private readonly batchSize: number;
  private readonly trainChunk: number;
  /** Normalised training features as transposed blocks `[d, trainChunk]` (wasm's matMul is ~10x slower with transposeB). */
  private bank: { blocks: tf.Tensor2D[]; rows: number; dimension: number } | undefined;

  constructor(options: KnnOptions = {}) {
    super();
    this.k = checkInteger('KnnDetector', 'k', options.k ?? 50);
    this.batchSize = checkInteger('KnnDetector', 'batchSize', options.batchSize ?? 512);
    this.trainChunk = checkInteger('KnnDetector', 'trainChunk', options.trainChunk ?? 8192);
  }

  /** Stores the L2-normalised training features `[n, d]` (labels are ignored). Needs `n >= k`. */
  async fit(features: FeatureInput): Promise<this> {
    const matrix = await toFeatureMatrix(features, { minRows: 1 });
    try {
      if (matrix.rows < this.k) {
        throw new InvalidArgumentError(`KnnDetector: k = ${this.k} needs at least ${this.k} training rows, got ${matrix.rows}.`);
      }
      const normalized = tf.tidy(() => normalizeRows(matrix.tensor));
      try {
        this.setBank(normalized);
      } finally {
        normalized.dispose();
      }
    } finally {
      matrix.dispose();
    }
    return this;
  }

  /** Splits normalised rows `[n, d]` into transposed blocks (the caller keeps and disposes `normalized`). */
  private setBank(normalized: tf.Tensor2D): void {
    this.releaseTensors();
    const [rows, dimension] = normalized.shape;
    const blocks: tf.Tensor2D[] = [];
    for (let start = 0; start < rows; start += this.trainChunk) {
      const size = Math.min(this.trainChunk, rows - start);
      blocks.push(tf.tidy(() => tf.transpose(tf.slice(normalized, [start, 0], [size, dimension])) as tf.Tensor2D));
    }
    this.bank = { blocks, rows, dimension };
    this.markFitted();
  }

  /**
   * Scores features `[n, d]`: minus the distance to the k-th nearest normalised training feature.
   * Higher = more in-distribution.
   */
  async score(features: FeatureInput): Promise<Float32Array> {
    this.assertFitted('score');
    const bank = this.bank as NonNullable<KnnDetector['bank']>;
    return this.scoreInBatches(
      features,
      { columns: bank.dimension },
      (rows) => {
        const queries = normalizeRows(rows);
        // A tidy per block: only the block's top-k survives, not its [b, size] similarities.
        const candidates = bank.blocks.map((block) =>
          tf.tidy(() => tf.topk(tf.matMul(queries, block), Math.min(this.k, block.shape[1])).values as tf.Tensor2D),
        );
        const merged = candidates.length === 1 ? (candidates[0] as tf.Tensor2D) : tf.concat(candidates, 1);
        const top = tf.topk(merged, this.k).values;
        const kth = tf.squeeze(tf.slice(top, [0, this.k - 1], [-1, 1]), [1]);
        const distance = tf.sqrt(tf.relu(tf.sub(tf.scalar(2), tf.mul(kth, tf.scalar(2)))));
        return tf.neg(distance) as tf.Tensor1D;
      },
      this.batchSize,
    );
  }

  /** Serialises the normalised training bank (`n * d` numbers: large for big training sets). */
  toJSON(): SerializedDetector {
    this.assertFitted('toJSON');
    const { blocks, rows, dimension: d } = this.bank as NonNullable<KnnDetector['bank']>;
    const values = new Array<number>(rows * d);
    let start = 0;
    for (const block of blocks) {
      const size = block.shape[1];
      const transposed = block.dataSync();
      for (let r = 0; r < size; r++) for (let j = 0; j < d; j++) values[(start + r) * d + j] = transposed[j * size + r] ?? 0;
      start += size;
    }
    return { kind: this.kind, version: KnnDetector.version, k: this.k, rows, dimension: d, bank: values };
  }

  static fromJSON(json: unknown, options: Omit<KnnOptions, 'k'> = {}): KnnDetector {
    const parsed = checkSerialized(json, 'knn', KnnDetector.version);
    const rows = readNumber(parsed, 'rows');
    const d = readNumber(parsed, 'dimension');
    const detector = new KnnDetector({ ...options, k: readNumber(parsed, 'k') });
    const normalized = tf.tensor2d(Float32Array.from(readNumbers(parsed, 'bank', rows * d)), [rows, d]);
    try {
      detector.setBank(normalized);
    } finally {
      normalized.dispose();
    }
    return detector;
  }

  protected override releaseTensors(): void {
    if (this.bank) tf.dispose(this.bank.blocks);
    this.bank = undefined;
  }
}
