// Training program (see training-program.ts) for a registry backbone with a linear head and softmax
// cross-entropy: what `createDataParallelStep` runs on each replica to train a classifier.
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@hvcm/metrics';
import type { BackboneOptions } from '../models/backbone';
import { createBackbone } from '../registry';
import type { TrainingProgram } from './training-program';

/** Options of `createBackboneClassifierProgram` (plain data: they are sent to each worker). */
export interface BackboneClassifierProgramOptions {
  /** Registry name, e.g. `'small-resnet'`. */
  readonly backbone: string;
  /** Backbone options; `numClasses` must be >= 1 (the head whose logits the loss uses). */
  readonly backboneOptions: BackboneOptions & { numClasses: number };
  /** Label smoothing of the cross-entropy, in [0, 1). Default 0. */
  readonly labelSmoothing?: number;
}

/**
 * Builds the backbone and its loss: `x` NHWC images `[n, h, w, c]`, `y` int32 class indices `[n]`
 * (or float32 one-hot / soft targets `[n, numClasses]`); loss = mean softmax cross-entropy of the
 * logits, with BatchNorm in training mode (moving statistics updated by the forward pass).
 */
export function createBackboneClassifierProgram(options: BackboneClassifierProgramOptions): TrainingProgram {
  const numClasses = options.backboneOptions.numClasses;
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new InvalidArgumentError(`backboneOptions.numClasses must be an integer >= 1 for a classifier, got ${numClasses}`);
  }
  const smoothing = options.labelSmoothing ?? 0;
  const model = createBackbone(options.backbone, options.backboneOptions);
  return {
    variables: [...model.parameters.values()],
    buffers: [...model.buffers.values()],
    loss: (x, y) =>
      tf.tidy(() => {
        const { logits } = model.forward(x as tf.Tensor4D, { training: true });
        if (logits === undefined) throw new Error('internal: backbone built without logits');
        const targets = y.dtype === 'int32' ? tf.oneHot(y as tf.Tensor1D, numClasses) : y;
        return tf.losses.softmaxCrossEntropy(targets, logits, undefined, smoothing) as tf.Scalar;
      }),
    dispose: () => model.dispose(),
  };
}
