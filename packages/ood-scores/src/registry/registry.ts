import { InvalidArgumentError } from '@hvcm/metrics';
import type { Detector, SerializedDetector } from '../detector';
import { MspDetector } from '../detectors/msp';
import { MaxLogitDetector } from '../detectors/max-logit';
import { EnergyDetector, type EnergyOptions } from '../detectors/energy';
import { GenDetector, type GenOptions } from '../detectors/gen';
import { OdinDetector, type OdinOptions } from '../detectors/odin';
import { MahalanobisDetector, type MahalanobisOptions } from '../detectors/mahalanobis';
import { RelativeMahalanobisDetector, type RelativeMahalanobisOptions } from '../detectors/relative-mahalanobis';
import { KnnDetector, type KnnOptions } from '../detectors/knn';
import { VimDetector, type VimOptions } from '../detectors/vim';
import { ReactDetector, type ReactOptions } from '../detectors/react';
import { GroupedGaussianDetector, type GroupedGaussianOptions } from '../grouped-gaussian/grouped-gaussian-detector';

/** What a detector's `fit`/`score` take. */
export type DetectorInputKind =
  | 'logits' // logits [n, C]
  | 'features' // penultimate features [n, d]
  | 'features+linear' // features [n, d] plus the final linear layer {weight [d, C], bias [C]} in the options
  | 'model-inputs'; // the model's inputs, with a differentiable logits function in the options

/** What {@link listDetectors} reports for one detector. */
export interface DetectorInfo {
  /** Registry name, also the `kind` of its JSON. */
  readonly name: string;
  readonly description: string;
  /** Paper the method comes from. */
  readonly reference: string;
  readonly input: DetectorInputKind;
  /** Whether `fit` needs class labels. */
  readonly needsLabels: boolean;
  /** Whether `fit` learns from training data (false: usable without fitting). */
  readonly needsFit: boolean;
}

/**
 * One registry row: its info, a factory and a JSON loader. `options` is the detector's own
 * options type (see {@link DetectorOptionsByName}); loaders take the same options for what JSON
 * cannot hold (ODIN's model function).
 */
export interface DetectorRegistryEntry extends DetectorInfo {
  // The table is heterogeneous by design: each row checks its own options.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly create: (options?: any) => Detector<any>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly fromJSON: (json: SerializedDetector, options?: any) => Detector<any>;
}

/** Options type of each registered detector, by name (used to type {@link createDetector}). */
export interface DetectorOptionsByName {
  msp: Record<string, never>;
  'max-logit': Record<string, never>;
  energy: EnergyOptions;
  gen: GenOptions;
  odin: OdinOptions;
  mahalanobis: MahalanobisOptions;
  'relative-mahalanobis': RelativeMahalanobisOptions;
  knn: KnnOptions;
  vim: VimOptions;
  react: ReactOptions;
  'grouped-gaussian': GroupedGaussianOptions;
}

/** Detector class built for each registered name (the return type of {@link createDetector}). */
export interface DetectorByName {
  msp: MspDetector;
  'max-logit': MaxLogitDetector;
  energy: EnergyDetector;
  gen: GenDetector;
  odin: OdinDetector;
  mahalanobis: MahalanobisDetector;
  'relative-mahalanobis': RelativeMahalanobisDetector;
  knn: KnnDetector;
  vim: VimDetector;
  react: ReactDetector;
  'grouped-gaussian': GroupedGaussianDetector;
}

const entries: readonly DetectorRegistryEntry[] = [
  {
    name: 'msp',
    description: 'Maximum softmax probability.',
    reference: 'Hendrycks & Gimpel, ICLR 2017',
    input: 'logits',
    needsLabels: false,
    needsFit: false,
    create: () => new MspDetector(),
    fromJSON: (json) => MspDetector.fromJSON(json),
  },
  {
    name: 'max-logit',
    description: 'Maximum logit.',
    reference: 'Hendrycks et al., ICML 2022',
    input: 'logits',
    needsLabels: false,
    needsFit: false,
    create: () => new MaxLogitDetector(),
    fromJSON: (json) => MaxLogitDetector.fromJSON(json),
  },
  {
    name: 'energy',
    description: 'Negative free energy T * logsumexp(logits / T).',
    reference: 'Liu et al., NeurIPS 2020',
    input: 'logits',
    needsLabels: false,
    needsFit: false,
    create: (options?: EnergyOptions) => new EnergyDetector(options),
    fromJSON: (json) => EnergyDetector.fromJSON(json),
  },
  {
    name: 'gen',
    description: 'Negative generalized entropy of the top-M softmax probabilities.',
    reference: 'Liu, Lochman & Zach, CVPR 2023',
    input: 'logits',
    needsLabels: false,
    needsFit: false,
    create: (options?: GenOptions) => new GenDetector(options),
    fromJSON: (json) => GenDetector.fromJSON(json),
  },
  {
    name: 'odin',
    description: 'Max softmax at temperature T after an input perturbation against the loss gradient.',
    reference: 'Liang, Li & Srikant, ICLR 2018',
    input: 'model-inputs',
    needsLabels: false,
    needsFit: false,
    create: (options: OdinOptions) => new OdinDetector(options),
    fromJSON: (json, options: { model: OdinOptions['model'] }) => OdinDetector.fromJSON(json, options),
  },
  {
    name: 'mahalanobis',
    description: 'Minus the smallest Mahalanobis distance to a class mean under one tied covariance.',
    reference: 'Lee et al., NeurIPS 2018',
    input: 'features',
    needsLabels: true,
    needsFit: true,
    create: (options?: MahalanobisOptions) => new MahalanobisDetector(options),
    fromJSON: (json, options?: MahalanobisOptions) => MahalanobisDetector.fromJSON(json, options),
  },
  {
    name: 'relative-mahalanobis',
    description: 'Minus the smallest class Mahalanobis distance relative to a background Gaussian.',
    reference: 'Ren et al., arXiv:2106.09022 (2021)',
    input: 'features',
    needsLabels: true,
    needsFit: true,
    create: (options?: RelativeMahalanobisOptions) => new RelativeMahalanobisDetector(options),
    fromJSON: (json, options?: RelativeMahalanobisOptions) => RelativeMahalanobisDetector.fromJSON(json, options),
  },
  {
    name: 'knn',
    description: 'Minus the distance to the k-th nearest L2-normalised training feature (exact).',
    reference: 'Sun et al., ICML 2022',
    input: 'features',
    needsLabels: false,
    needsFit: true,
    create: (options?: KnnOptions) => new KnnDetector(options),
    fromJSON: (json, options?: KnnOptions) => KnnDetector.fromJSON(json, options),
  },
  {
    name: 'vim',
    description: 'Energy minus alpha times the feature residual outside the principal subspace.',
    reference: 'Wang et al., CVPR 2022',
    input: 'features+linear',
    needsLabels: false,
    needsFit: true,
    create: (options: VimOptions) => new VimDetector(options),
    fromJSON: (json, options?: { batchSize?: number }) => VimDetector.fromJSON(json, options),
  },
  {
    name: 'react',
    description: 'Energy of the logits of features clipped at a percentile of training activations.',
    reference: 'Sun, Guo & Li, NeurIPS 2021',
    input: 'features+linear',
    needsLabels: false,
    needsFit: true,
    create: (options: ReactOptions) => new ReactDetector(options),
    fromJSON: (json, options?: { batchSize?: number }) => ReactDetector.fromJSON(json, options),
  },
  {
    name: 'grouped-gaussian',
    description: 'Minus the smallest weighted sum of per-group class Mahalanobis terms (class x group Gaussians, HVCM score).',
    reference: 'HVCM: Hierarchical Visual Categories Modeling (DESIGN.md section 3)',
    input: 'features',
    needsLabels: true,
    needsFit: true,
    create: (options?: GroupedGaussianOptions) => new GroupedGaussianDetector(options),
    fromJSON: (json) => GroupedGaussianDetector.fromJSON(json),
  },
];

/** The frozen registry table, by name. */
export const DETECTOR_REGISTRY: Readonly<Record<string, Readonly<DetectorRegistryEntry>>> = Object.freeze(
  Object.fromEntries(entries.map((entry) => [entry.name, Object.freeze(entry)])),
);

function lookup(name: string): DetectorRegistryEntry {
  const entry = Object.prototype.hasOwnProperty.call(DETECTOR_REGISTRY, name) ? DETECTOR_REGISTRY[name] : undefined;
  if (!entry) {
    throw new InvalidArgumentError(
      `Unknown detector "${name}". Known detectors: ${Object.keys(DETECTOR_REGISTRY).join(', ')}.`,
    );
  }
  return entry;
}

/** Name of a registered detector. */
export type DetectorName = keyof DetectorOptionsByName;

/**
 * Builds a detector by registry name (`listDetectors()` lists them). Throws `InvalidArgumentError`
 * naming the known detectors when `name` is unknown.
 */
export function createDetector<N extends DetectorName>(name: N, options?: DetectorOptionsByName[N]): DetectorByName[N];
export function createDetector(name: string, options?: Record<string, unknown>): Detector<unknown>;
export function createDetector(name: string, options?: unknown): Detector<unknown> {
  return lookup(name).create(options);
}

/** Information about every registered detector, in registry order. */
export function listDetectors(): DetectorInfo[] {
  return Object.values(DETECTOR_REGISTRY).map(({ name, description, reference, input, needsLabels, needsFit }) => ({
    name,
    description,
    reference,
    input,
    needsLabels,
    needsFit,
  }));
}

/**
 * Rebuilds a detector from its `toJSON()` output, dispatching on `kind`. `options` carries what JSON
 * cannot hold (ODIN needs `{ model }`).
 */
export function detectorFromJSON(json: unknown, options?: Record<string, unknown>): Detector<unknown> {
  if (typeof json !== 'object' || json === null || typeof (json as { kind?: unknown }).kind !== 'string') {
    throw new InvalidArgumentError('detectorFromJSON: expected an object with a string "kind", as written by toJSON().');
  }
  const serialized = json as SerializedDetector;
  return lookup(serialized.kind).fromJSON(serialized, options);
}
