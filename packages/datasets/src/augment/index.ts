export { type ImageTransform, type MultiViewTransform, compose, identityTransform } from './transform';
export { applyByGroup, randomApply } from './apply-by-group';
export {
  type CropBox,
  type OutputSize,
  type RandomResizedCropOptions,
  sampleResizedCropBox,
  resizedCrop,
  randomResizedCrop,
} from './random-resized-crop';
export { type RandomCropWithPaddingOptions, randomCropWithPadding } from './random-crop-with-padding';
export { flipSamples, randomHorizontalFlip } from './horizontal-flip';
export { LUMA_WEIGHTS, rgbToGrayscale, rgbToHsv, hsvToRgb } from './color-space';
export {
  type Factor,
  type ColorJitterOptions,
  adjustBrightness,
  adjustContrast,
  adjustSaturation,
  adjustHue,
  colorJitter,
} from './color-jitter';
export { randomGrayscale } from './random-grayscale';
export {
  type RandomGaussianBlurOptions,
  gaussianKernel1d,
  defaultBlurKernelSize,
  gaussianBlur,
  randomGaussianBlur,
} from './gaussian-blur';
export { DINO_SOLARIZE_THRESHOLD, solarize, randomSolarize } from './solarize';
export {
  IMAGENET_MEAN,
  IMAGENET_STD,
  CIFAR10_MEAN,
  CIFAR10_STD,
  MNIST_MEAN,
  MNIST_STD,
  normalize,
} from './normalize';
export {
  type DinoMultiCropOptions,
  HVCM_GLOBAL_CROP_SCALE,
  HVCM_LOCAL_CROP_SCALE,
  DINO_GLOBAL_CROP_SCALE,
  DINO_LOCAL_CROP_SCALE,
  dinoMultiCrop,
} from './multi-crop';
export { type TrainPresetOptions, cifarTrainTransform, mnistTrainTransform } from './presets';
