import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@hvcm/metrics';
import { ClassGroupMoments, type FittedGroupedGaussians, type RidgeOptions } from '@hvcm/ood-scores';

/** One batch of a fitting stream: attributes `[n, M d]` and their class labels `[n]`. */
export interface AttributeBatch {
  /** `[n, M d]`: a tensor (read, then disposed unless `keepTensors`) or row-major host values. */
  readonly attributes: tf.Tensor2D | Float32Array | Float64Array;
  readonly labels: Int32Array;
}

/** Options of {@link fitHvcmGaussians}. */
export interface FitHvcmGaussiansOptions {
  readonly numClasses: number;
  readonly numGroups: number;
  readonly groupDim: number;
  /** Class group weights `W [K, M]` (HVCM's EMA weights, `HvcmLoss.classGroupWeights`); default uniform `1 / M`. */
  readonly classGroupWeights?: ArrayLike<number>;
  /** Ridge policy (added only when a block's Cholesky fails; reported per block). */
  readonly ridge?: RidgeOptions;
  /** Leave tensors of the stream undisposed (default false: fitting owns and frees them). */
  readonly keepTensors?: boolean;
}

/**
 * Fitting after training (DESIGN.md section 3, Eq. 7-8): streams attribute batches (run the training
 * set through the model; the teacher in the self-distillation recipe) and computes per class k and
 * group j the mean and the unbiased covariance in float64 (numerically stable streaming moments of
 * @hvcm/ood-scores), then factors each covariance by Cholesky, adding `eps * trace/d * I` only when
 * needed and reporting it per block (`ridge`, with a summary of how many blocks needed one and how large).
 */
export async function fitHvcmGaussians(
  batches: AsyncIterable<AttributeBatch> | Iterable<AttributeBatch>,
  options: FitHvcmGaussiansOptions,
): Promise<FittedGroupedGaussians> {
  const { numClasses, numGroups, groupDim } = options;
  const moments = new ClassGroupMoments(numClasses, numGroups, groupDim);
  const D = numGroups * groupDim;
  let seen = 0;
  for await (const batch of batches) {
    let values: Float32Array | Float64Array;
    if (batch.attributes instanceof tf.Tensor) {
      const tensor = batch.attributes;
      if (tensor.rank !== 2 || tensor.shape[1] !== D) {
        throw new InvalidArgumentError(`fitHvcmGaussians: expected attributes [n, ${D}] (M ${numGroups} x d ${groupDim}), got [${tensor.shape.join(', ')}].`);
      }
      values = (await tensor.data()) as Float32Array;
      if (!options.keepTensors) tensor.dispose();
    } else {
      values = batch.attributes;
    }
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) {
        throw new InvalidArgumentError(`fitHvcmGaussians: attribute ${values[i]} at batch row ${Math.floor(i / D)} (column ${i % D}) is not finite; check the model's outputs.`);
      }
    }
    moments.add(values, batch.labels);
    seen += batch.labels.length;
  }
  if (seen === 0) throw new InvalidArgumentError('fitHvcmGaussians: the stream held no sample; pass the training set attributes.');
  return moments.finish({
    ...(options.classGroupWeights !== undefined ? { groupWeights: options.classGroupWeights } : {}),
    ...(options.ridge !== undefined ? { ridge: options.ridge } : {}),
  });
}
