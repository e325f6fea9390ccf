import * as tf from '@tensorflow/tfjs-core';

/**
 * Kaiming/He normal init as torchvision's ResNet does it
 * (`kaiming_normal_(mode='fan_out', nonlinearity='relu')`): `N(0, 2 / fan_out)`, where
 * `fan_out = kh * kw * outChannels`. Filter layout `[kh, kw, inChannels, outChannels]`.
 */
export function heNormalConvFilter(
  kernel: number,
  inChannels: number,
  outChannels: number,
  seed?: number,
): tf.Tensor4D {
  const std = Math.sqrt(2 / (kernel * kernel * outChannels));
  return tf.randomNormal([kernel, kernel, inChannels, outChannels], 0, std, 'float32', seed);
}

/**
 * PyTorch's default `nn.Linear` init (`kaiming_uniform_(a=sqrt(5))` for the weight, the same bound for
 * the bias): `U(-1/sqrt(fanIn), 1/sqrt(fanIn))`. Weight layout `[fanIn, fanOut]` (the transpose of PyTorch's).
 */
export function linearInit(
  fanIn: number,
  fanOut: number,
  seed?: number,
): { weight: tf.Tensor2D; bias: tf.Tensor1D } {
  const bound = 1 / Math.sqrt(fanIn);
  return {
    weight: tf.randomUniform([fanIn, fanOut], -bound, bound, 'float32', seed),
    bias: tf.randomUniform([fanOut], -bound, bound, 'float32', seed === undefined ? undefined : seed + 1),
  };
}
