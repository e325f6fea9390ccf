import { InvalidArgumentError } from '@hvcm/metrics';
import type { Detector, SerializedDetector } from '../detector';
import { MspDetector } from '../detectors/msp';
import { MaxLogitDetector } from '../detectors/max-logit';
import { EnergyDetector, type EnergyOptions } from '../detectors/energy';
import { GenDetector, type GenOptions } from '../detectors/gen';

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
export function createDetector<N extends DetectorName>(name: N, options?: DetectorOptionsByName[N]): Detector<unknown>;
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
