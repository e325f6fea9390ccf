// Public API of @hvcm/backbones: filled in by its issue.

// Models, registry, FLOP counts (engineer B2).
export type {
  Backbone,
  BackboneOptions,
  BackboneOutput,
  FoldedBackbone,
  ForwardOptions,
  ResolvedBackboneOptions,
} from './models/backbone';
export type { BlockKind, ConvDescription, ResNetDescription, ResNetSpec, StemKind } from './models/resnet-spec';
export { countParameters, describeResNet } from './models/resnet-spec';
export { ResNet } from './models/resnet';
export {
  backboneSpec,
  createBackbone,
  listBackbones,
  resolveBackboneOptions,
  type BackboneInfo,
} from './registry';
export { countFlops, type FlopCount } from './flops';
