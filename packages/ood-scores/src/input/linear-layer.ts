import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError } from '@hvcm/metrics';
import { toFeatureMatrix } from './feature-matrix';

/**
 * The network's final linear layer `logits = features @ weight + bias`: `weight` `[d, C]` (note: the
 * transpose of PyTorch's `nn.Linear.weight`, which is `[C, d]`), `bias` `[C]`.
 */
export interface LinearLayer {
  readonly weight: tf.Tensor2D | { readonly data: Float32Array | Float64Array; readonly shape: readonly [number, number] };
  readonly bias: tf.Tensor1D | Float32Array | Float64Array;
}

/** A validated linear layer as host float32 arrays. */
export interface LinearLayerValues {
  /** `[d, C]` row-major. */
  readonly weight: Float32Array;
  /** `[C]`. */
  readonly bias: Float32Array;
  readonly inputs: number;
  readonly outputs: number;
}

/** Reads and checks a {@link LinearLayer} (finite values, bias length = C, width `d` when given). */
export async function readLinearLayer(layer: LinearLayer | undefined, owner: string, inputs?: number): Promise<LinearLayerValues> {
  if (!layer || typeof layer !== 'object' || !('weight' in layer) || !('bias' in layer)) {
    throw new InvalidArgumentError(
      `${owner}: needs the final linear layer {weight: [d, C], bias: [C]} in its options (option "linear").`,
    );
  }
  const matrix = await toFeatureMatrix(layer.weight, { name: `${owner} linear.weight` });
  try {
    if (inputs !== undefined && matrix.rows !== inputs) {
      throw new ShapeMismatchError(
        `${owner}: linear.weight must be [d, C] with d = ${inputs} (the feature width), got [${matrix.rows}, ${matrix.columns}]. ` +
          'A PyTorch nn.Linear weight is [C, d]: transpose it.',
      );
    }
    const weight = Float32Array.from(await matrix.values());
    const biasValues =
      layer.bias instanceof tf.Tensor ? ((await layer.bias.data()) as Float32Array) : layer.bias;
    if (layer.bias instanceof tf.Tensor && layer.bias.rank !== 1) {
      throw new ShapeMismatchError(`${owner}: linear.bias must be a vector [C], got shape [${layer.bias.shape.join(', ')}].`);
    }
    if (biasValues.length !== matrix.columns) {
      throw new ShapeMismatchError(
        `${owner}: linear.bias must have C = ${matrix.columns} entries (the columns of weight), got ${biasValues.length}.`,
      );
    }
    const bias = Float32Array.from(biasValues);
    const bad = bias.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new InvalidArgumentError(`${owner}: linear.bias[${bad}] is ${bias[bad]}; it must be finite.`);
    return { weight, bias, inputs: matrix.rows, outputs: matrix.columns };
  } finally {
    matrix.dispose();
  }
}
