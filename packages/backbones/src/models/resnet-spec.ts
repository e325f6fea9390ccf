/**
 * The shape of a ResNet, independent of any tensors: what the builder, the parameter counter and the
 * FLOP counter all read, so the three can never disagree.
 */

/** `imagenet`: 7x7 stride-2 conv + 3x3 stride-2 max-pool (He et al. 2016); `cifar`: 3x3 stride-1 conv, no pool. */
export type StemKind = 'imagenet' | 'cifar';

/** `basic`: two 3x3 convs (ResNet-18/34); `bottleneck`: 1x1 -> 3x3 -> 1x1 with expansion 4 (ResNet-50). */
export type BlockKind = 'basic' | 'bottleneck';

/** A fully resolved ResNet architecture. */
export interface ResNetSpec {
  readonly stem: StemKind;
  readonly block: BlockKind;
  /** Output channels of the stem convolution (64 for the torchvision nets). */
  readonly stemWidth: number;
  /** Base width of each stage (64/128/256/512 for the torchvision nets); a bottleneck stage outputs 4x it. */
  readonly widths: readonly number[];
  /** Number of residual blocks in each stage, same length as `widths`. */
  readonly blocksPerStage: readonly number[];
  /** Image channels: 3 for RGB, 1 for grayscale. */
  readonly inputChannels: number;
  /** Nominal square input side in pixels (224, 32, 28); used for FLOP counts and as the default input. */
  readonly inputSize: number;
  /** Size of the linear classification head on the features, or 0 for features only. */
  readonly numClasses: number;
}

/** One convolution of the network, with the spatial sizes it sees at a given input size. */
export interface ConvDescription {
  /** torchvision-style name of the weight's owner, e.g. `layer1.0.conv1`. */
  readonly name: string;
  /** Name of the BatchNorm that follows it, e.g. `layer1.0.bn1`. */
  readonly batchNormName: string;
  readonly kernel: number;
  readonly stride: number;
  /** Symmetric zero padding on each side, PyTorch style (`floor(kernel / 2)`). */
  readonly pad: number;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly outHeight: number;
  readonly outWidth: number;
}

/** Every convolution and the head of a ResNet at a given input size. */
export interface ResNetDescription {
  readonly convs: readonly ConvDescription[];
  /** Dimension E of the penultimate features `[n, E]`. */
  readonly featureDim: number;
  readonly numClasses: number;
}

const EXPANSION: Record<BlockKind, number> = { basic: 1, bottleneck: 4 };

/** Channels a block of this kind outputs for a stage of base width `width`. */
export function blockOutputChannels(block: BlockKind, width: number): number {
  return width * EXPANSION[block];
}

function outSize(size: number, kernel: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - kernel) / stride) + 1;
}

/**
 * Lists every convolution (in forward order) with its shapes at input `height x width`.
 * Downsampling follows torchvision (ResNet v1.5): the stride sits on the 3x3 conv of a bottleneck,
 * and a 1x1 strided conv + BatchNorm projects the shortcut when the shape changes.
 */
export function describeResNet(
  spec: ResNetSpec,
  height: number = spec.inputSize,
  width: number = spec.inputSize,
): ResNetDescription {
  const convs: ConvDescription[] = [];
  let h = height;
  let w = width;
  let channels = spec.inputChannels;
  const conv = (
    name: string,
    batchNormName: string,
    kernel: number,
    stride: number,
    outChannels: number,
  ): void => {
    const pad = Math.floor(kernel / 2);
    const outHeight = outSize(h, kernel, stride, pad);
    const outWidth = outSize(w, kernel, stride, pad);
    convs.push({
      name,
      batchNormName,
      kernel,
      stride,
      pad,
      inChannels: channels,
      outChannels,
      inHeight: h,
      inWidth: w,
      outHeight,
      outWidth,
    });
  };

  if (spec.stem === 'imagenet') {
    conv('conv1', 'bn1', 7, 2, spec.stemWidth);
    h = outSize(outSize(h, 7, 2, 3), 3, 2, 1);
    w = outSize(outSize(w, 7, 2, 3), 3, 2, 1);
  } else {
    conv('conv1', 'bn1', 3, 1, spec.stemWidth);
  }
  channels = spec.stemWidth;

  spec.widths.forEach((stageWidth, stage) => {
    const blocks = spec.blocksPerStage[stage] ?? 0;
    const outChannels = blockOutputChannels(spec.block, stageWidth);
    for (let b = 0; b < blocks; b++) {
      const stride = b === 0 && stage > 0 ? 2 : 1;
      const prefix = `layer${stage + 1}.${b}`;
      const blockIn = channels;
      const inH = h;
      const inW = w;
      if (spec.block === 'basic') {
        conv(`${prefix}.conv1`, `${prefix}.bn1`, 3, stride, stageWidth);
        [h, w] = [convs.at(-1)?.outHeight ?? h, convs.at(-1)?.outWidth ?? w];
        channels = stageWidth;
        conv(`${prefix}.conv2`, `${prefix}.bn2`, 3, 1, stageWidth);
      } else {
        conv(`${prefix}.conv1`, `${prefix}.bn1`, 1, 1, stageWidth);
        channels = stageWidth;
        conv(`${prefix}.conv2`, `${prefix}.bn2`, 3, stride, stageWidth);
        [h, w] = [convs.at(-1)?.outHeight ?? h, convs.at(-1)?.outWidth ?? w];
        conv(`${prefix}.conv3`, `${prefix}.bn3`, 1, 1, outChannels);
      }
      if (stride !== 1 || blockIn !== outChannels) {
        // The shortcut sees the block's input, not the output of the previous conv.
        const saved = { h, w, channels };
        h = inH;
        w = inW;
        channels = blockIn;
        conv(`${prefix}.downsample.0`, `${prefix}.downsample.1`, 1, stride, outChannels);
        ({ h, w } = saved);
      }
      channels = outChannels;
    }
  });
  return { convs, featureDim: channels, numClasses: spec.numClasses };
}

/** Parameter count of a BatchNorm over `c` channels: weight and bias (moving statistics are buffers). */
const batchNormParameters = (c: number): number => 2 * c;

/**
 * Trainable parameters, counted like PyTorch's `sum(p.numel() for p in model.parameters())`:
 * conv weights (no conv biases), BatchNorm weight + bias, head weight + bias. BatchNorm moving
 * statistics are buffers and not counted.
 */
export function countParameters(spec: ResNetSpec): number {
  const { convs, featureDim, numClasses } = describeResNet(spec);
  let total = 0;
  for (const c of convs) {
    total += c.kernel * c.kernel * c.inChannels * c.outChannels + batchNormParameters(c.outChannels);
  }
  if (numClasses > 0) total += featureDim * numClasses + numClasses;
  return total;
}
