import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@hvcm/metrics';
import { BaseDetector, DEFAULT_SCORE_BATCH } from '../base-detector';
import type { FeatureInput, SerializedDetector } from '../detector';
import { toFeatureMatrix } from '../input/feature-matrix';
import { readLinearLayer, type LinearLayer, type LinearLayerValues } from '../input/linear-layer';
import { choleskyWithRidge } from '../linear-algebra/cholesky-with-ridge';
import { RunningMoments } from '../linear-algebra/running-moments';
import { symmetricEigen } from '../linear-algebra/symmetric-eigen';
import { solveCholesky } from '../linear-algebra/triangular-solve';
import { checkSerialized, readNumber, readNumbers, toNumbers } from '../serialization';
import { checkInteger } from './check-options';
import { energyScore } from './energy';

/** Options of {@link VimDetector}. */
export interface VimOptions {
  /** The final linear layer `{weight [d, C], bias [C]}`. Required. */
  readonly linear: LinearLayer;
  /**
   * Dimension `D` of the principal subspace (`1 <= D < d`). Default as in the paper and OpenOOD:
   * 1000 when d >= 2048, 512 when d >= 768, otherwise d / 2 (256 for 512-d ResNet-18 features).
   */
  readonly dim?: number;
  /** Rows scored per chunk. Default 4096. */
  readonly batchSize?: number;
}

/** Fitted state of ViM. */
interface VimState {
  readonly linear: LinearLayerValues;
  /** `[d]` origin `u = -pinv(W^T) b`. */
  readonly origin: Float32Array;
  /** `[d, d - D]` row-major: basis of the residual (non-principal) space. */
  readonly residualBasis: Float32Array;
  readonly dim: number;
  readonly alpha: number;
}

/** Default principal dimension for feature width `d` (paper / OpenOOD). */
export function defaultVimDim(d: number): number {
  if (d >= 2048) return 1000;
  if (d >= 768) return 512;
  return Math.max(1, Math.floor(d / 2));
}

/** `u = -pinv(W^T) b` for `W` `[d, C]` row-major, via the smaller Gram matrix, in float64. */
function vimOrigin(linear: LinearLayerValues): Float64Array {
  const { weight, bias, inputs: d, outputs: c } = linear;
  const u = new Float64Array(d);
  if (d >= c) {
    // W^T has full row rank: pinv(W^T) = W (W^T W)^-1, so u = -W y with (W^T W) y = b.
    const gram = new Float64Array(c * c);
    for (let a = 0; a < c; a++) for (let b = 0; b < c; b++) {
      let sum = 0;
      for (let j = 0; j < d; j++) sum += (weight[j * c + a] ?? 0) * (weight[j * c + b] ?? 0);
      gram[a * c + b] = sum;
    }
    const y = solveCholesky(choleskyWithRidge(gram, c, { eps: 1e-10 }).factor, c, Float64Array.from(bias));
    for (let j = 0; j < d; j++) {
      let sum = 0;
      for (let a = 0; a < c; a++) sum += (weight[j * c + a] ?? 0) * (y[a] ?? 0);
      u[j] = -sum;
    }
  } else {
    // W^T has full column rank: pinv(W^T) = (W W^T)^-1 W, so u = -(W W^T)^-1 W b.
    const gram = new Float64Array(d * d);
    const wb = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        let sum = 0;
        for (let a = 0; a < c; a++) sum += (weight[i * c + a] ?? 0) * (weight[j * c + a] ?? 0);
        gram[i * d + j] = sum;
      }
      let sum = 0;
      for (let a = 0; a < c; a++) sum += (weight[i * c + a] ?? 0) * (bias[a] ?? 0);
      wb[i] = sum;
    }
    const solution = solveCholesky(choleskyWithRidge(gram, d, { eps: 1e-10 }).factor, d, wb);
    for (let j = 0; j < d; j++) u[j] = -(solution[j] ?? 0);
  }
  return u;
}

/**
 * ViM, Virtual-logit Matching: the norm of the feature's residual outside the principal subspace of
 * the training features (after moving the origin to `u = -pinv(W^T) b`), scaled by `alpha` to the
 * logits' range, against the energy: `score(x) = logsumexp(x W + b) - alpha * |(x - u) R|`, with
 * `R` `[d, d - D]` the eigenvectors of the training covariance about `u` beyond the top `D`, and
 * `alpha = mean(max logit) / mean(|(x - u) R|)` on the training features. Wang, Li, Feng & Zhang,
 * "ViM: Out-Of-Distribution with Virtual-logit Matching", CVPR 2022 (the score as in OpenOOD, a
 * monotone form of the paper's virtual-logit softmax). Takes features `[n, d]` and the final linear
 * layer; `fit` needs training features only.
 */
export class VimDetector extends BaseDetector<FeatureInput> {
  readonly kind = 'vim';
  static readonly version = 1;
  private readonly linearInput: LinearLayer | undefined;
  private readonly dimOption: number | undefined;
  private readonly batchSize: number | undefined;
  private fittedState: VimState | undefined;
  private tensors: { weight: tf.Tensor2D; bias: tf.Tensor1D; origin: tf.Tensor1D; basis: tf.Tensor2D } | undefined;

  constructor(options: VimOptions) {
    super();
    if (!options?.linear) {
      throw new InvalidArgumentError(
        'VimDetector: needs the final linear layer {weight: [d, C], bias: [C]} in its options (option "linear").',
      );
    }
    this.linearInput = options.linear;
    this.dimOption = options?.dim === undefined ? undefined : checkInteger('VimDetector', 'dim', options.dim);
    this.batchSize = options?.batchSize;
  }

  /** Fitted `alpha` and principal dimension `D`. */
  get fittedParameters(): { alpha: number; dim: number } | undefined {
    return this.fittedState && { alpha: this.fittedState.alpha, dim: this.fittedState.dim };
  }

  /** Fits the origin, the residual subspace and `alpha` on training features `[n, d]` (labels ignored). */
  async fit(features: FeatureInput): Promise<this> {
    const matrix = await toFeatureMatrix(features, { minRows: 2 });
    try {
      const d = matrix.columns;
      const n = matrix.rows;
      const linear = await readLinearLayer(this.linearInput, 'VimDetector', d);
      const dim = this.dimOption ?? defaultVimDim(d);
      if (dim >= d) {
        throw new InvalidArgumentError(`VimDetector: dim (the principal subspace) must be < d = ${d}, got ${dim}.`);
      }
      const origin = vimOrigin(linear);
      const moments = new RunningMoments(d).add(await matrix.values());
      // Second moment about u: scatter about the mean plus n (mean - u)(mean - u)^T, divided by n.
      const mean = moments.mean();
      const shift = mean.map((m, j) => m - (origin[j] ?? 0));
      const second = moments.scatter();
      for (let i = 0; i < d; i++) {
        for (let j = 0; j < d; j++) {
          second[i * d + j] = ((second[i * d + j] ?? 0) + n * (shift[i] ?? 0) * (shift[j] ?? 0)) / n;
        }
      }
      const { vectors } = symmetricEigen(second, d);
      const residual = d - dim;
      const basis = new Float32Array(d * residual);
      for (let i = 0; i < d; i++) for (let r = 0; r < residual; r++) basis[i * residual + r] = vectors[i * d + dim + r] ?? 0;
      const partial: VimState = { linear, origin: Float32Array.from(origin), residualBasis: basis, dim, alpha: 1 };
      this.set(partial);
      // alpha = mean max-logit / mean residual norm over the training features.
      const tensors = this.tensors as NonNullable<VimDetector['tensors']>;
      let maxLogitSum = 0;
      let normSum = 0;
      for (let start = 0; start < n; start += DEFAULT_SCORE_BATCH) {
        const size = Math.min(DEFAULT_SCORE_BATCH, n - start);
        const sums = tf.tidy(() => {
          const rows = size === n ? matrix.tensor : tf.slice(matrix.tensor, [start, 0], [size, d]);
          const logits = tf.add(tf.matMul(rows, tensors.weight), tensors.bias);
          return tf.stack([tf.sum(tf.max(logits, 1)), tf.sum(this.residualNorms(rows, tensors))]);
        });
        const [logitPart = 0, normPart = 0] = Array.from(await sums.data());
        sums.dispose();
        maxLogitSum += logitPart;
        normSum += normPart;
      }
      if (!(normSum > 0)) {
        throw new InvalidArgumentError(
          'VimDetector: the training features have no component outside the principal subspace; lower dim.',
        );
      }
      this.fittedState = { ...partial, alpha: maxLogitSum / normSum };
    } catch (error) {
      this.releaseTensors();
      this.fittedState = undefined;
      this.markUnfitted();
      throw error;
    } finally {
      matrix.dispose();
    }
    return this;
  }

  private residualNorms(x: tf.Tensor2D, tensors: NonNullable<VimDetector['tensors']>): tf.Tensor1D {
    const projected = tf.matMul(tf.sub(x, tensors.origin), tensors.basis);
    return tf.sqrt(tf.sum(tf.square(projected), 1)) as tf.Tensor1D;
  }

  private set(state: VimState): void {
    this.releaseTensors();
    const { linear } = state;
    this.fittedState = state;
    this.tensors = {
      weight: tf.tensor2d(linear.weight, [linear.inputs, linear.outputs]),
      bias: tf.tensor1d(linear.bias),
      origin: tf.tensor1d(state.origin),
      basis: tf.tensor2d(state.residualBasis, [linear.inputs, linear.inputs - state.dim]),
    };
    this.markFitted();
  }

  /**
   * Scores features `[n, d]`: energy of the logits minus `alpha` times the residual norm.
   * Higher = more in-distribution.
   */
  async score(features: FeatureInput): Promise<Float32Array> {
    this.assertFitted('score');
    const state = this.fittedState as VimState;
    const tensors = this.tensors as NonNullable<VimDetector['tensors']>;
    return this.scoreInBatches(
      features,
      { columns: state.linear.inputs },
      (rows) => {
        const logits = tf.add(tf.matMul(rows, tensors.weight), tensors.bias) as tf.Tensor2D;
        return tf.sub(energyScore(logits, 1), tf.mul(this.residualNorms(rows, tensors), tf.scalar(state.alpha))) as tf.Tensor1D;
      },
      this.batchSize,
    );
  }

  toJSON(): SerializedDetector {
    this.assertFitted('toJSON');
    const state = this.fittedState as VimState;
    return {
      kind: this.kind,
      version: VimDetector.version,
      inputs: state.linear.inputs,
      outputs: state.linear.outputs,
      dim: state.dim,
      alpha: state.alpha,
      weight: toNumbers(state.linear.weight),
      bias: toNumbers(state.linear.bias),
      origin: toNumbers(state.origin),
      residualBasis: toNumbers(state.residualBasis),
    };
  }

  static fromJSON(json: unknown, options: { batchSize?: number } = {}): VimDetector {
    const parsed = checkSerialized(json, 'vim', VimDetector.version);
    const inputs = readNumber(parsed, 'inputs');
    const outputs = readNumber(parsed, 'outputs');
    const dim = readNumber(parsed, 'dim');
    const weight = Float32Array.from(readNumbers(parsed, 'weight', inputs * outputs));
    const bias = Float32Array.from(readNumbers(parsed, 'bias', outputs));
    const detector = new VimDetector({
      linear: { weight: { data: weight, shape: [inputs, outputs] }, bias },
      dim,
      ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
    });
    detector.set({
      linear: { weight, bias, inputs, outputs },
      origin: Float32Array.from(readNumbers(parsed, 'origin', inputs)),
      residualBasis: Float32Array.from(readNumbers(parsed, 'residualBasis', inputs * (inputs - dim))),
      dim,
      alpha: readNumber(parsed, 'alpha'),
    });
    return detector;
  }

  protected override releaseTensors(): void {
    if (this.tensors) tf.dispose(Object.values(this.tensors));
    this.tensors = undefined;
  }
}
