import * as tf from '@tensorflow/tfjs-core';
import { stopGradient } from './stop-gradient';

/**
 * Which divergence the HVCM pair loss uses between a sample's group attributes and its class's
 * centers (softmax over the `d` dims of each group). All three route gradients the same way:
 * `kx` moves only the features, `kc` only the centers.
 *
 * With `P = softmax(C[y_i, j])`, `Q = softmax(a[i, j])` and `sg` = stop-gradient:
 * - `'kl-pair'` (the release's, default): `kx = alpha KL(sg(P) || Q)`, `kc = beta KL(sg(Q) || P)`,
 *   `KL(p || q) = sum_t p_t (log p_t - log q_t)`.
 * - `'js'`: Jensen-Shannon with the mixture, `JS(p, q) = 0.5 KL(p || m) + 0.5 KL(q || m)`,
 *   `m = (p + q) / 2`; `kx = alpha JS(sg(P), Q)`, `kc = beta JS(P, sg(Q))` (the mixture is built
 *   from the same detached/attached operands, so the gradient reaches only the attached side).
 * - `'l2'`: squared Euclidean distance between the softmaxes, `kx = alpha ||Q - sg(P)||^2`,
 *   `kc = beta ||sg(Q) - P||^2`.
 */
export type HvcmDivergence = 'kl-pair' | 'js' | 'l2';

/** The divergences, for validation and listing. */
export const HVCM_DIVERGENCES: readonly HvcmDivergence[] = Object.freeze(['kl-pair', 'js', 'l2']);

/** `KL(p || q)` over the last axis from log-probabilities: `sum p (log p - log q)`. `[..., d]` -> `[...]`. */
export function klFromLogits(logP: tf.Tensor, logQ: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sum(tf.mul(tf.exp(logP), tf.sub(logP, logQ)), -1));
}

/** `JS(p, q)` over the last axis from log-probabilities, mixture in log space for stability. */
export function jensenShannonFromLogits(logP: tf.Tensor, logQ: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const logM = tf.sub(tf.logSumExp(tf.stack([logP, logQ]), 0), Math.LN2);
    return tf.mul(tf.add(klFromLogits(logP, logM), klFromLogits(logQ, logM)), 0.5);
  });
}

/** The two pair terms `[n, M]` before scaling by alpha / beta. */
export interface PairTerms {
  /** Divergence with the centers detached: its gradient reaches only the attributes. */
  readonly featureTerm: tf.Tensor2D;
  /** Divergence with the attributes detached: its gradient reaches only the centers. */
  readonly centerTerm: tf.Tensor2D;
}

/**
 * The unscaled pair terms for attributes `a [n, M, d]` and gathered centers `c [n, M, d]`
 * (the kx / kc of DESIGN.md section 3 divided by alpha / beta).
 */
export function pairTerms(divergence: HvcmDivergence, a: tf.Tensor3D, c: tf.Tensor3D): PairTerms {
  return tf.tidy(() => {
    const aDetached = stopGradient(a);
    const cDetached = stopGradient(c);
    if (divergence === 'l2') {
      const q = tf.softmax(a);
      const p = tf.softmax(c);
      return {
        featureTerm: tf.sum(tf.square(tf.sub(q, tf.softmax(cDetached))), -1) as tf.Tensor2D,
        centerTerm: tf.sum(tf.square(tf.sub(tf.softmax(aDetached), p)), -1) as tf.Tensor2D,
      };
    }
    const logQ = tf.logSoftmax(a);
    const logP = tf.logSoftmax(c);
    const logQDetached = tf.logSoftmax(aDetached);
    const logPDetached = tf.logSoftmax(cDetached);
    if (divergence === 'js') {
      return {
        featureTerm: jensenShannonFromLogits(logPDetached, logQ) as tf.Tensor2D,
        centerTerm: jensenShannonFromLogits(logP, logQDetached) as tf.Tensor2D,
      };
    }
    return {
      featureTerm: klFromLogits(logPDetached, logQ) as tf.Tensor2D,
      centerTerm: klFromLogits(logQDetached, logP) as tf.Tensor2D,
    };
  });
}
