import * as tf from '@tensorflow/tfjs-core';
import type { FeatureInput } from '@hvcm/ood-scores';
import type { PosthocData, Split } from './load-data';

/** How the example runs one detector: registry name, options, and which input of a split it takes. */
export interface DetectorPlan {
  readonly label: string;
  readonly name: string;
  readonly options: Record<string, unknown>;
  readonly input: (split: Split) => FeatureInput;
  /** Why it cannot run on this data (missing features, logits or the final layer). */
  readonly skip?: string;
}

/** `logits` of a split, or `features @ weight + bias` when only features and the final layer are given. */
export function logitsOf(split: Split, linear: PosthocData['linear']): FeatureInput | undefined {
  if (split.logits) return split.logits;
  if (!split.features || !linear) return undefined;
  const [rows, d] = split.features.shape;
  const classes = linear.bias.length;
  const out = new Float32Array(rows * classes);
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < classes; c++) {
      let sum = linear.bias[c] ?? 0;
      for (let j = 0; j < d; j++) sum += (split.features.data[i * d + j] ?? 0) * (linear.weight.data[j * classes + c] ?? 0);
      out[i * classes + c] = sum;
    }
  }
  return { data: out, shape: [rows, classes] };
}

/** Largest of 8, 4, 2, 1 groups that divides the feature width (grouped Gaussians need d % M = 0). */
function groupsFor(d: number): number {
  return [8, 4, 2, 1].find((m) => d % m === 0 && d / m >= 2) ?? 1;
}

/** Every detector of the registry, planned for this data. */
export function detectorPlans(data: PosthocData, options: { k: number }): DetectorPlan[] {
  const hasLogits = logitsOf(data.train, data.linear) !== undefined;
  const hasFeatures = data.train.features !== undefined;
  const linear = data.linear;
  const logits = (split: Split): FeatureInput => logitsOf(split, linear) as FeatureInput;
  const features = (split: Split): FeatureInput => split.features as FeatureInput;
  const noLogits = hasLogits ? undefined : 'no logits (and no features + final layer to compute them)';
  const noFeatures = hasFeatures ? undefined : 'no features';
  const noLinear = !hasFeatures ? 'no features' : linear ? undefined : 'no final linear layer';
  const d = data.train.features?.shape[1] ?? 0;
  const k = Math.min(options.k, data.train.rows);
  // ODIN perturbs the inputs of a differentiable model: here the model is the final layer, so the
  // perturbation acts on the features (epsilon in feature units).
  // The layer's tensors are made on the first call (planning needs no backend) and kept for the run.
  let layer: { weight: tf.Tensor2D; bias: tf.Tensor1D } | undefined;
  const model = (x: tf.Tensor): tf.Tensor2D => {
    if (!linear) throw new Error('ODIN needs the final linear layer here.');
    layer ??= tf.tidy(() => ({ weight: tf.keep(tf.tensor2d(linear.weight.data, linear.weight.shape)), bias: tf.keep(tf.tensor1d(linear.bias)) }));
    return tf.add(tf.matMul(x as tf.Tensor2D, layer.weight), layer.bias) as tf.Tensor2D;
  };
  const plans: DetectorPlan[] = [
    { label: 'msp', name: 'msp', options: {}, input: logits, ...(noLogits && { skip: noLogits }) },
    { label: 'max-logit', name: 'max-logit', options: {}, input: logits, ...(noLogits && { skip: noLogits }) },
    { label: 'energy', name: 'energy', options: {}, input: logits, ...(noLogits && { skip: noLogits }) },
    { label: 'gen', name: 'gen', options: {}, input: logits, ...(noLogits && { skip: noLogits }) },
    { label: 'odin (on features)', name: 'odin', options: { model, epsilon: 0.01 }, input: features, ...(noLinear && { skip: noLinear }) },
    { label: 'mahalanobis', name: 'mahalanobis', options: {}, input: features, ...(noFeatures && { skip: noFeatures }) },
    { label: 'relative-mahalanobis', name: 'relative-mahalanobis', options: {}, input: features, ...(noFeatures && { skip: noFeatures }) },
    { label: `knn (k ${k})`, name: 'knn', options: { k }, input: features, ...(noFeatures && { skip: noFeatures }) },
    { label: 'vim', name: 'vim', options: { linear }, input: features, ...(noLinear && { skip: noLinear }) },
    { label: 'react', name: 'react', options: { linear }, input: features, ...(noLinear && { skip: noLinear }) },
    {
      label: `grouped-gaussian (M ${groupsFor(d)})`,
      name: 'grouped-gaussian',
      options: { numGroups: groupsFor(d) },
      input: features,
      ...(noFeatures && { skip: noFeatures }),
    },
  ];
  return plans;
}
