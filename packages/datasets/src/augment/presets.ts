import { randomHorizontalFlip } from './horizontal-flip';
import { CIFAR10_MEAN, CIFAR10_STD, MNIST_MEAN, MNIST_STD, normalize } from './normalize';
import { randomCropWithPadding } from './random-crop-with-padding';
import { compose, type ImageTransform } from './transform';

/** Options of the small-image training presets. */
export interface TrainPresetOptions {
  /** Padding of the random crop. Default 4 for CIFAR, 2 for MNIST. */
  readonly padding?: number;
  /** Normalise with the dataset's mean/std at the end. Default true for CIFAR, false for MNIST. */
  readonly normalize?: boolean;
}

/**
 * The CIFAR training augmentation of the supervised recipe: `RandomCrop(32, padding 4)`,
 * `RandomHorizontalFlip(0.5)`, then (by default) CIFAR-10 mean/std normalisation.
 * Input `[n, 32, 32, 3]` float32 in [0, 1].
 */
export function cifarTrainTransform(options: TrainPresetOptions = {}): ImageTransform {
  const steps = [randomCropWithPadding({ padding: options.padding ?? 4 }), randomHorizontalFlip(0.5)];
  if (options.normalize ?? true) steps.push(normalize(CIFAR10_MEAN, CIFAR10_STD));
  return compose(steps);
}

/**
 * A light MNIST training augmentation: random crop with 2 px zero padding (shifts of up to 2 px;
 * no flip, digits are not mirror-symmetric), optionally MNIST mean/std normalisation (off by
 * default). Input `[n, 28, 28, 1]` float32 in [0, 1].
 */
export function mnistTrainTransform(options: TrainPresetOptions = {}): ImageTransform {
  const steps = [randomCropWithPadding({ padding: options.padding ?? 2 })];
  if (options.normalize ?? false) steps.push(normalize(MNIST_MEAN, MNIST_STD));
  return compose(steps);
}
