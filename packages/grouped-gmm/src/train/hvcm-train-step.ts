import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '@hvcm/metrics';
import type { HvcmHead } from '../head/hvcm-head';
import type { HvcmLoss } from '../loss/hvcm-loss';

/** What {@link hvcmTrainStep} needs. */
export interface HvcmTrainStepOptions<TInput extends tf.Tensor> {
  /** Backbone features `[n, E]` of a batch in training mode (differentiable, e.g. `backbone.forward(x, {training: true}).features`). */
  readonly features: (inputs: TInput) => tf.Tensor2D;
  readonly head: HvcmHead;
  readonly loss: HvcmLoss;
  /** Trainable variables of the backbone and head (NOT the centers). */
  readonly networkVariables: readonly tf.Variable[];
  /** Optimizer of the network (e.g. `tf.train.momentum(lr, 0.9)`). */
  readonly optimizer: tf.Optimizer;
  /** Optimizer of the centers, with their own learning rate (see `defaultCenterLearningRate`). */
  readonly centerOptimizer: tf.Optimizer;
  /** Coupled L2 weight decay added to every gradient, centers included (the recipes' 1e-4; default 0). */
  readonly weightDecay?: number;
}

/** Scalars of one step, read after it. */
export interface HvcmStepResult {
  readonly loss: number;
  readonly weightTerm: number;
  readonly pairTerm: number;
}

/**
 * One supervised HVCM step (DESIGN.md section 3, `L = L_hvcm`): forward, gradients of `L_hvcm` for
 * the network and the centers, one update with each optimizer, then the per-class EMA of the class
 * group weights with this step's `softmax(g)` (computed before the update, as released).
 */
export async function hvcmTrainStep<TInput extends tf.Tensor>(
  options: HvcmTrainStepOptions<TInput>,
  inputs: TInput,
  labels: Int32Array,
): Promise<HvcmStepResult> {
  const { head, loss, optimizer, centerOptimizer } = options;
  const weightDecay = options.weightDecay ?? 0;
  if (!(weightDecay >= 0)) throw new InvalidArgumentError(`hvcmTrainStep: weightDecay must be >= 0, got ${weightDecay}.`);
  const variables = [...options.networkVariables, loss.centers];
  let kept: tf.Tensor[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const features = options.features(inputs);
    const { attributes, groupLogits } = head.apply(features);
    const terms = loss.compute(attributes, groupLogits, labels);
    // Kept out of the gradient scope: the EMA needs this step's group logits, the log the terms.
    kept = [tf.keep(tf.clone(groupLogits)), tf.keep(tf.clone(terms.weightTerm)), tf.keep(tf.clone(terms.pairTerm))];
    return terms.loss;
  }, variables);
  const decayed = (v: tf.Variable): tf.Tensor => {
    const g = grads[v.name] ?? tf.zerosLike(v);
    if (weightDecay === 0) return g;
    const out = tf.tidy(() => tf.add(g, tf.mul(v, weightDecay)));
    g.dispose();
    return out;
  };
  const network: tf.NamedTensorMap = {};
  for (const v of options.networkVariables) network[v.name] = decayed(v);
  const centerGrad: tf.NamedTensorMap = { [loss.centers.name]: decayed(loss.centers) };
  optimizer.applyGradients(network);
  centerOptimizer.applyGradients(centerGrad);
  tf.dispose([...Object.values(network), ...Object.values(centerGrad)]);
  const [groupLogits, weightTerm, pairTerm] = kept as [tf.Tensor2D, tf.Scalar, tf.Scalar];
  await loss.updateClassGroupWeights(groupLogits, labels);
  const result = {
    loss: (await value.data())[0] ?? Number.NaN,
    weightTerm: (await weightTerm.data())[0] ?? Number.NaN,
    pairTerm: (await pairTerm.data())[0] ?? Number.NaN,
  };
  tf.dispose([value, ...kept]);
  return result;
}
