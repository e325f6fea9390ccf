import type { BackboneOptions } from './models/backbone';
import { describeResNet } from './models/resnet-spec';
import { backboneSpec } from './registry';

/** Analytic compute of one image through a backbone. */
export interface FlopCount {
  /** Multiply-accumulates of the convolutions and the head in one forward pass. */
  readonly forwardMacs: number;
  /** `2 * forwardMacs`: the usual FLOP count of a forward pass. */
  readonly forwardFlops: number;
  /** `3 * forwardFlops`: forward + input gradient + weight gradient, each about one forward's work. */
  readonly trainingFlops: number;
}

/**
 * Counts FLOPs of one `height x width` image (default: the backbone's nominal input size).
 * Counts convolutions and the linear head (the work that dominates); BatchNorm, ReLU, the residual adds
 * and pooling are elementwise and left out, as in the usual ResNet figures (ResNet-50: 4.1 GMACs at 224).
 */
export function countFlops(
  name: string,
  options: BackboneOptions = {},
  height?: number,
  width?: number,
): FlopCount {
  const spec = backboneSpec(name, options);
  const d = describeResNet(spec, height ?? spec.inputSize, width ?? height ?? spec.inputSize);
  let macs = 0;
  for (const c of d.convs) {
    macs += c.outHeight * c.outWidth * c.kernel * c.kernel * c.inChannels * c.outChannels;
  }
  macs += d.featureDim * d.numClasses;
  return { forwardMacs: macs, forwardFlops: 2 * macs, trainingFlops: 6 * macs };
}
