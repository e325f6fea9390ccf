import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link createTinyConvNet}. */
export interface TinyConvNetOptions {
  /** Seed of the first kernel's initialisation; the second kernel uses `seed + 1`. */
  readonly seed: number;
  /** Prefix of the variable names (tfjs variable names are global and must be unique). */
  readonly name: string;
}

/** A two-convolution feature extractor for 28x28x1 images. */
export interface TinyConvNet {
  /** `[n, 28, 28, 1]` -> `[n, featureDim]` features (inside its own `tf.tidy`). */
  readonly forward: (x: tf.Tensor4D) => tf.Tensor2D;
  /** Trainable variables: kernel 1, bias 1, kernel 2, bias 2. */
  readonly variables: readonly tf.Variable[];
  /** 7 * 7 * 32 = 1568. */
  readonly featureDim: number;
  dispose(): void;
}

/** A trainable variable from `init`; the initial tensor is disposed (the variable keeps its data). */
function variableFrom<R extends tf.Rank>(init: tf.Tensor<R>, name: string): tf.Variable<R> {
  const v = tf.variable(init, true, name);
  init.dispose();
  return v;
}

/**
 * Two 5x5 stride-2 convolutions (16 and 32 channels, bias, ReLU, He-normal init) flattened to 1568
 * features: the CPU-scale backbone of the MNIST HVCM example and integration test, trainable on wasm
 * in seconds per epoch where the small ResNet needs minutes.
 */
export function createTinyConvNet(options: TinyConvNetOptions): TinyConvNet {
  const { seed, name } = options;
  const k1 = variableFrom(tf.randomNormal([5, 5, 1, 16], 0, Math.sqrt(2 / 25), 'float32', seed), `${name}/k1`) as tf.Variable<tf.Rank.R4>;
  const b1 = variableFrom(tf.zeros([16]), `${name}/b1`);
  const k2 = variableFrom(tf.randomNormal([5, 5, 16, 32], 0, Math.sqrt(2 / 400), 'float32', seed + 1), `${name}/k2`) as tf.Variable<tf.Rank.R4>;
  const b2 = variableFrom(tf.zeros([32]), `${name}/b2`);
  const featureDim = 7 * 7 * 32;
  return {
    forward: (x) =>
      tf.tidy(() => {
        const h1 = tf.relu(tf.add(tf.conv2d(x, k1, 2, 'same'), b1)) as tf.Tensor4D;
        const h2 = tf.relu(tf.add(tf.conv2d(h1, k2, 2, 'same'), b2));
        return tf.reshape(h2, [x.shape[0], featureDim]) as tf.Tensor2D;
      }),
    variables: [k1, b1, k2, b2],
    featureDim,
    dispose: () => tf.dispose([k1, b1, k2, b2]),
  };
}
