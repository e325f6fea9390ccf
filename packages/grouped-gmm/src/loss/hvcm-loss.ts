import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node bundle registers no gradients; tfjs-layers' bundle registers all of them into the
// shared registry and, unlike `tfjs-core/dist/register_all_gradients`, loads under plain Node ESM.
import '@tensorflow/tfjs-layers';
import { InvalidArgumentError, ShapeMismatchError } from '@hvcm/metrics';
import { HVCM_DIVERGENCES, pairTerms, type HvcmDivergence } from './divergence';
import { stopGradient } from './stop-gradient';
import { updateClassGroupWeights } from './class-group-weights';
import { uniqueVariablePrefix } from '../head/unique-variable-name';

/** Options of {@link HvcmLoss}. Defaults are the supervised recipe's (DESIGN.md section 3). */
export interface HvcmLossOptions {
  /** Number of in-distribution classes K. */
  readonly numClasses: number;
  /** Number of attribute groups M. */
  readonly numGroups: number;
  /** Size d of one group. */
  readonly groupDim: number;
  /** Scale of the feature term kx (default 1; self-distillation recipe 1.6e-4). */
  readonly alpha?: number;
  /** Scale of the center term kc (default 0.1; self-distillation recipe 1.6e-5). */
  readonly beta?: number;
  /** EMA rate of the class group weights (default 1e-4). */
  readonly gamma?: number;
  /** Pair divergence (default `'kl-pair'`, as released). */
  readonly divergence?: HvcmDivergence;
  /** Seed of the centers' `randn` and the group weights' `softmax(randn)` initialisation (default 0). */
  readonly seed?: number;
  /** Variable name prefix: the centers are `${name}/centers` (default `hvcm-loss`; `_1`, ... appended when taken). */
  readonly name?: string;
}

/** The scalar parts of the HVCM loss for one batch. */
export interface HvcmLossTerms {
  /** `L_hvcm = L_weight + L_pair` (differentiable scalar). */
  readonly loss: tf.Scalar;
  /** `L_weight = mean_{i,j}( sg(kx[i,j]) * softmax(g_i)_j )`. */
  readonly weightTerm: tf.Scalar;
  /** `L_pair = mean_{i,j}( clamp(kx[i,j] + kc[i,j], 1e-5, 1e5) )`. */
  readonly pairTerm: tf.Scalar;
}

/** Where the learning rate of the centers comes from in each recipe (DESIGN.md section 3). */
export type HvcmRecipe = 'supervised' | 'self-distillation';

/**
 * Default learning rate of the class centers: the network's rate in the supervised recipe (as
 * released), 0.1 x the network's rate in the self-distillation recipe (the paper says "smaller";
 * the release leaves it at 0, which freezes the random centers).
 */
export function defaultCenterLearningRate(networkLearningRate: number, recipe: HvcmRecipe): number {
  return recipe === 'supervised' ? networkLearningRate : 0.1 * networkLearningRate;
}

/**
 * The HVCM loss (DESIGN.md section 3) with its class parameters: learnable centers `C [K, M, d]`
 * (init `randn`, a `tf.Variable` named `hvcm-loss/centers`: give it its own optimizer and learning
 * rate, see {@link defaultCenterLearningRate}) and class group weights `W [K, M]` (init
 * `softmax(randn)`, a float64 array updated by {@link HvcmLoss.updateClassGroupWeights} after each
 * step, never by gradient).
 *
 * Gradient routing (via {@link stopGradient}): `kx` moves only the attributes, `kc` only the centers,
 * the weight term only the group logits (hence only the head's group-weight layer).
 */
export class HvcmLoss {
  readonly numClasses: number;
  readonly numGroups: number;
  readonly groupDim: number;
  readonly alpha: number;
  readonly beta: number;
  readonly gamma: number;
  readonly divergence: HvcmDivergence;
  readonly centers: tf.Variable<tf.Rank.R3>;
  /** `W [K, M]` row-major, float64. */
  readonly classGroupWeights: Float64Array;

  constructor(options: HvcmLossOptions) {
    for (const key of ['numClasses', 'numGroups', 'groupDim'] as const) {
      const v = options[key];
      if (!Number.isInteger(v) || v <= 0) throw new InvalidArgumentError(`HvcmLoss: ${key} must be a positive integer, got ${v}.`);
    }
    this.numClasses = options.numClasses;
    this.numGroups = options.numGroups;
    this.groupDim = options.groupDim;
    this.alpha = options.alpha ?? 1;
    this.beta = options.beta ?? 0.1;
    this.gamma = options.gamma ?? 1e-4;
    this.divergence = options.divergence ?? 'kl-pair';
    if (!HVCM_DIVERGENCES.includes(this.divergence)) {
      throw new InvalidArgumentError(`HvcmLoss: divergence must be one of ${HVCM_DIVERGENCES.join(', ')}, got '${String(this.divergence)}'.`);
    }
    for (const [key, v] of [['alpha', this.alpha], ['beta', this.beta]] as const) {
      if (!(Number.isFinite(v) && v >= 0)) throw new InvalidArgumentError(`HvcmLoss: ${key} must be finite and >= 0, got ${v}.`);
    }
    if (!(this.gamma >= 0 && this.gamma <= 1)) throw new InvalidArgumentError(`HvcmLoss: gamma must be in [0, 1], got ${this.gamma}.`);
    const seed = options.seed ?? 0;
    const init = tf.randomNormal([this.numClasses, this.numGroups, this.groupDim], 0, 1, 'float32', seed);
    this.centers = tf.variable(init, true, `${uniqueVariablePrefix(options.name ?? 'hvcm-loss')}/centers`) as tf.Variable<tf.Rank.R3>;
    init.dispose();
    const w = tf.tidy(() => tf.softmax(tf.randomNormal([this.numClasses, this.numGroups], 0, 1, 'float32', seed + 1)));
    this.classGroupWeights = Float64Array.from(w.dataSync());
    w.dispose();
  }

  private labelTensor(labels: Int32Array | tf.Tensor1D, n: number): tf.Tensor1D {
    if (labels instanceof Int32Array) {
      if (labels.length !== n) throw new ShapeMismatchError(`HvcmLoss: expected ${n} labels (one per attribute row), got ${labels.length}.`);
      for (let i = 0; i < n; i++) {
        const y = labels[i] ?? -1;
        if (y < 0 || y >= this.numClasses) throw new InvalidArgumentError(`HvcmLoss: label ${y} at index ${i} is outside [0, ${this.numClasses}).`);
      }
      return tf.tensor1d(labels, 'int32');
    }
    if (labels.shape[0] !== n) throw new ShapeMismatchError(`HvcmLoss: expected ${n} labels (one per attribute row), got ${labels.shape[0]}.`);
    return tf.cast(labels, 'int32');
  }

  /**
   * The per-sample, per-group scaled terms `kx [n, M]` and `kc [n, M]` for attributes `[n, M * d]`.
   * Differentiable (kx toward the attributes, kc toward the centers).
   */
  pairTerms(attributes: tf.Tensor2D, labels: Int32Array | tf.Tensor1D): { kx: tf.Tensor2D; kc: tf.Tensor2D } {
    const n = attributes.shape[0];
    const D = this.numGroups * this.groupDim;
    if (attributes.rank !== 2 || attributes.shape[1] !== D) {
      throw new ShapeMismatchError(`HvcmLoss: expected attributes [n, ${D}] (M ${this.numGroups} x d ${this.groupDim}), got [${attributes.shape.join(', ')}].`);
    }
    return tf.tidy(() => {
      const y = this.labelTensor(labels, n);
      const a = tf.reshape(attributes, [n, this.numGroups, this.groupDim]) as tf.Tensor3D;
      // C[y] as a one-hot product rather than tf.gather: gather's gradient needs UnsortedSegmentSum,
      // which the wasm backend lacks; the product is exact (one term of 1 * c, the rest 0 * c).
      const flat = tf.reshape(this.centers, [this.numClasses, D]) as tf.Tensor2D;
      const c = tf.reshape(tf.matMul(tf.oneHot(y, this.numClasses), flat), [n, this.numGroups, this.groupDim]) as tf.Tensor3D;
      const { featureTerm, centerTerm } = pairTerms(this.divergence, a, c);
      return { kx: tf.mul(featureTerm, this.alpha) as tf.Tensor2D, kc: tf.mul(centerTerm, this.beta) as tf.Tensor2D };
    });
  }

  /**
   * `L_hvcm` for a batch: attributes `[n, M * d]`, group logits `[n, M]`, labels `[n]`.
   * Call inside a gradient function (`tf.variableGrads`, `optimizer.minimize`) and use `loss`.
   */
  compute(attributes: tf.Tensor2D, groupLogits: tf.Tensor2D, labels: Int32Array | tf.Tensor1D): HvcmLossTerms {
    const n = attributes.shape[0];
    if (groupLogits.rank !== 2 || groupLogits.shape[0] !== n || groupLogits.shape[1] !== this.numGroups) {
      throw new ShapeMismatchError(`HvcmLoss: expected group logits [${n}, ${this.numGroups}], got [${groupLogits.shape.join(', ')}].`);
    }
    return tf.tidy(() => {
      const { kx, kc } = this.pairTerms(attributes, labels);
      const weightTerm = tf.mean(tf.mul(stopGradient(kx), tf.softmax(groupLogits))) as tf.Scalar;
      const pairTerm = tf.mean(tf.clipByValue(tf.add(kx, kc), 1e-5, 1e5)) as tf.Scalar;
      return { loss: tf.add(weightTerm, pairTerm) as tf.Scalar, weightTerm, pairTerm };
    });
  }

  /**
   * The per-class EMA of the group weights after a step: `W[c] <- gamma * mean_{i: y_i = c}
   * softmax(g_i) + (1 - gamma) * W[c]` for each class c in the batch. `groupLogits [n, M]` are the
   * step's logits (not modified). Returns the number of classes updated.
   */
  async updateClassGroupWeights(groupLogits: tf.Tensor2D, labels: Int32Array): Promise<number> {
    if (groupLogits.rank !== 2 || groupLogits.shape[1] !== this.numGroups) {
      throw new ShapeMismatchError(`HvcmLoss: expected group logits [n, ${this.numGroups}], got [${groupLogits.shape.join(', ')}].`);
    }
    const probabilities = tf.softmax(groupLogits);
    const values = await probabilities.data();
    probabilities.dispose();
    return updateClassGroupWeights(this.classGroupWeights, this.numClasses, this.numGroups, values, labels, this.gamma);
  }

  /** `W [K, M]` as a float32 tensor (caller disposes). */
  classGroupWeightTensor(): tf.Tensor2D {
    return tf.tensor2d(Float32Array.from(this.classGroupWeights), [this.numClasses, this.numGroups]);
  }

  dispose(): void {
    this.centers.dispose();
  }
}
