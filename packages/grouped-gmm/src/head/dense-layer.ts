import * as tf from '@tensorflow/tfjs-core';

/** How a {@link DenseLayer}'s kernel is initialised (the released PyTorch head's choices). */
export type KernelInit =
  /** Truncated normal, std 0.02, bias 0: what the release applies to the head's MLP (DINO's `_init_weights`). */
  | 'trunc-normal-0.02'
  /** PyTorch's `nn.Linear` default, U(-1/sqrt(fanIn), 1/sqrt(fanIn)): the release's attribute and weight layers. */
  | 'torch-default';

/** Options of {@link DenseLayer}. */
export interface DenseLayerOptions {
  /** Variable name prefix: variables are `${name}/kernel` and `${name}/bias`. */
  readonly name: string;
  readonly inputDim: number;
  readonly outputDim: number;
  readonly useBias: boolean;
  readonly init: KernelInit;
  /** Seed of the initialiser (deterministic weights for a given seed). */
  readonly seed: number;
}

/**
 * A fully connected layer `y = x W + b` on named `tf.Variable`s. `kernel` is `[inputDim, outputDim]`
 * (the transpose of PyTorch's `weight`), `bias` is `[outputDim]`.
 */
export class DenseLayer {
  readonly name: string;
  readonly kernel: tf.Variable<tf.Rank.R2>;
  readonly bias: tf.Variable<tf.Rank.R1> | null;

  constructor(options: DenseLayerOptions) {
    this.name = options.name;
    const { inputDim, outputDim, seed } = options;
    const initial = tf.tidy(() =>
      options.init === 'trunc-normal-0.02'
        ? tf.truncatedNormal([inputDim, outputDim], 0, 0.02, 'float32', seed)
        : tf.randomUniform([inputDim, outputDim], -1 / Math.sqrt(inputDim), 1 / Math.sqrt(inputDim), 'float32', seed),
    );
    this.kernel = tf.variable(initial, true, `${options.name}/kernel`) as tf.Variable<tf.Rank.R2>;
    initial.dispose();
    if (options.useBias) {
      const zeros = options.init === 'trunc-normal-0.02'
        ? tf.zeros([outputDim])
        : tf.randomUniform([outputDim], -1 / Math.sqrt(inputDim), 1 / Math.sqrt(inputDim), 'float32', seed + 1);
      this.bias = tf.variable(zeros, true, `${options.name}/bias`) as tf.Variable<tf.Rank.R1>;
      zeros.dispose();
    } else {
      this.bias = null;
    }
  }

  /** `x [n, inputDim]` -> `[n, outputDim]`. Call inside `tf.tidy` (or a gradient function). */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    const y: tf.Tensor2D = tf.matMul(x, this.kernel);
    return this.bias === null ? y : tf.add(y, this.bias);
  }

  /** The layer's variables, kernel first. */
  get variables(): tf.Variable[] {
    return this.bias === null ? [this.kernel] : [this.kernel, this.bias];
  }

  dispose(): void {
    this.kernel.dispose();
    this.bias?.dispose();
  }
}
