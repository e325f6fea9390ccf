import { InvalidArgumentError } from '@hvcm/metrics';

import type { Backbone, BackboneOptions, ResolvedBackboneOptions } from './models/backbone';
import { ResNet } from './models/resnet';
import type { BlockKind, ResNetSpec, StemKind } from './models/resnet-spec';

/** What the registry knows about one backbone name. */
export interface BackboneInfo {
  readonly name: string;
  readonly description: string;
  readonly stem: StemKind;
  readonly block: BlockKind;
  /** Defaults applied to unset options. */
  readonly defaults: ResolvedBackboneOptions;
}

const shared = {
  numClasses: 0,
  seed: null,
  zeroInitResidual: false,
  batchNormMomentum: 0.1,
  batchNormEpsilon: 1e-5,
} as const;

const imagenetWidths = [64, 128, 256, 512];

const entries: readonly BackboneInfo[] = [
  {
    name: 'resnet18',
    description: 'ResNet-18 (He et al. 2016, torchvision layout): 7x7/2 stem + max-pool, basic blocks [2,2,2,2], 224 px, E=512',
    stem: 'imagenet',
    block: 'basic',
    defaults: { ...shared, inputChannels: 3, inputSize: 224, widths: imagenetWidths, blocksPerStage: [2, 2, 2, 2], stemWidth: 64 },
  },
  {
    name: 'resnet34',
    description: 'ResNet-34: 7x7/2 stem + max-pool, basic blocks [3,4,6,3], 224 px, E=512',
    stem: 'imagenet',
    block: 'basic',
    defaults: { ...shared, inputChannels: 3, inputSize: 224, widths: imagenetWidths, blocksPerStage: [3, 4, 6, 3], stemWidth: 64 },
  },
  {
    name: 'resnet50',
    description: 'ResNet-50 (v1.5, stride on the 3x3 conv): 7x7/2 stem + max-pool, bottlenecks [3,4,6,3], 224 px, E=2048',
    stem: 'imagenet',
    block: 'bottleneck',
    defaults: { ...shared, inputChannels: 3, inputSize: 224, widths: imagenetWidths, blocksPerStage: [3, 4, 6, 3], stemWidth: 64 },
  },
  {
    name: 'cifar-resnet18',
    description: 'CIFAR ResNet-18: 3x3/1 stem, no max-pool, basic blocks [2,2,2,2], 32 px, E=512',
    stem: 'cifar',
    block: 'basic',
    defaults: { ...shared, inputChannels: 3, inputSize: 32, widths: imagenetWidths, blocksPerStage: [2, 2, 2, 2], stemWidth: 64 },
  },
  {
    name: 'small-resnet',
    description: 'Small ResNet for 28x28 grayscale (CPU scale): 3x3/1 stem, basic blocks [2,2,2], widths 16/32/64, E=64',
    stem: 'cifar',
    block: 'basic',
    defaults: { ...shared, inputChannels: 1, inputSize: 28, widths: [16, 32, 64], blocksPerStage: [2, 2, 2], stemWidth: 16 },
  },
];

const registry: ReadonlyMap<string, BackboneInfo> = new Map(
  entries.map((e) => [e.name, Object.freeze({ ...e, defaults: Object.freeze({ ...e.defaults }) })]),
);

/** Names and descriptions of every registered backbone, in a fixed order. */
export function listBackbones(): readonly BackboneInfo[] {
  return [...registry.values()];
}

function positiveInteger(name: string, key: string, value: number, allowZero = false): void {
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new InvalidArgumentError(
      `${name}: option ${key} must be an integer ${allowZero ? '>= 0' : '>= 1'}, got ${String(value)}`,
    );
  }
}

/** Applies the registry defaults of `name` to `options` and checks them. */
export function resolveBackboneOptions(name: string, options: BackboneOptions = {}): ResolvedBackboneOptions {
  const info = registry.get(name);
  if (info === undefined) {
    throw new InvalidArgumentError(
      `unknown backbone "${name}"; registered: ${[...registry.keys()].join(', ')}`,
    );
  }
  const d = info.defaults;
  const r: ResolvedBackboneOptions = {
    numClasses: options.numClasses ?? d.numClasses,
    inputChannels: options.inputChannels ?? d.inputChannels,
    inputSize: options.inputSize ?? d.inputSize,
    widths: [...(options.widths ?? d.widths)],
    blocksPerStage: [...(options.blocksPerStage ?? d.blocksPerStage)],
    // The stem feeds the first stage: default to its width when only `widths` is given.
    stemWidth: options.stemWidth ?? options.widths?.[0] ?? d.stemWidth,
    seed: options.seed ?? d.seed,
    zeroInitResidual: options.zeroInitResidual ?? d.zeroInitResidual,
    batchNormMomentum: options.batchNormMomentum ?? d.batchNormMomentum,
    batchNormEpsilon: options.batchNormEpsilon ?? d.batchNormEpsilon,
  };
  positiveInteger(name, 'numClasses', r.numClasses, true);
  positiveInteger(name, 'inputChannels', r.inputChannels);
  positiveInteger(name, 'inputSize', r.inputSize);
  positiveInteger(name, 'stemWidth', r.stemWidth);
  if (r.widths.length === 0 || r.widths.length !== r.blocksPerStage.length) {
    throw new InvalidArgumentError(
      `${name}: widths (${r.widths.length}) and blocksPerStage (${r.blocksPerStage.length}) must be non-empty and of equal length`,
    );
  }
  r.widths.forEach((w) => positiveInteger(name, 'widths[i]', w));
  r.blocksPerStage.forEach((b) => positiveInteger(name, 'blocksPerStage[i]', b));
  if (!(r.batchNormMomentum >= 0 && r.batchNormMomentum <= 1)) {
    throw new InvalidArgumentError(`${name}: batchNormMomentum must lie in [0, 1], got ${r.batchNormMomentum}`);
  }
  if (!(r.batchNormEpsilon > 0)) {
    throw new InvalidArgumentError(`${name}: batchNormEpsilon must be > 0, got ${r.batchNormEpsilon}`);
  }
  if (r.seed !== null && !Number.isInteger(r.seed)) {
    throw new InvalidArgumentError(`${name}: seed must be an integer, got ${r.seed}`);
  }
  return Object.freeze(r);
}

/** The architecture `createBackbone(name, options)` would build, without allocating any tensor. */
export function backboneSpec(name: string, options: BackboneOptions = {}): ResNetSpec {
  const r = resolveBackboneOptions(name, options);
  const info = registry.get(name) as BackboneInfo;
  return Object.freeze({
    stem: info.stem,
    block: info.block,
    stemWidth: r.stemWidth,
    widths: r.widths,
    blocksPerStage: r.blocksPerStage,
    inputChannels: r.inputChannels,
    inputSize: r.inputSize,
    numClasses: r.numClasses,
  });
}

/**
 * Builds a registered backbone with fresh weights (He-normal convs, PyTorch-default linear head,
 * BatchNorm gamma 1 / beta 0). Names: see `listBackbones()`.
 *
 * @example
 * const net = createBackbone('small-resnet', { numClasses: 10, seed: 1 });
 * const { features, logits } = net.forward(images); // images [n, 28, 28, 1]
 */
export function createBackbone(name: string, options: BackboneOptions = {}): Backbone {
  const resolved = resolveBackboneOptions(name, options);
  return new ResNet(name, backboneSpec(name, options), resolved);
}
