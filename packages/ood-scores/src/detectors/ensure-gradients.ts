import * as tf from '@tensorflow/tfjs-core';
import { HvcmError } from '@hvcm/metrics';

let pending: Promise<void> | undefined;

/**
 * Makes sure tfjs-core's gradient functions are registered before ODIN differentiates a model.
 * tfjs-core's Node bundle registers none; tfjs-layers' bundle registers all of them into the registry
 * every copy of tfjs-core shares, and loads under plain Node ESM (the deep import
 * `@tensorflow/tfjs-core/dist/register_all_gradients` only loads under bundlers, so it is the
 * fallback). Loaded lazily, on ODIN's first score, so other detectors never pay for tfjs-layers.
 */
export function ensureGradients(): Promise<void> {
  pending ??= (async () => {
    if (tf.getGradient('Neg') !== undefined && tf.getGradient('MatMul') !== undefined) return;
    try {
      await import('@tensorflow/tfjs-layers');
    } catch {
      // fall through to the deep import below
    }
    if (tf.getGradient('Neg') === undefined) {
      try {
        await import('@tensorflow/tfjs-core/dist/register_all_gradients');
      } catch {
        // reported below
      }
    }
    if (tf.getGradient('Neg') === undefined) {
      pending = undefined;
      throw new HvcmError(
        'BACKEND_UNAVAILABLE',
        "ODIN needs tfjs-core's gradients, and neither @tensorflow/tfjs-layers nor tfjs-core/dist/register_all_gradients " +
          "could be loaded. Import '@tensorflow/tfjs' (or '@tensorflow/tfjs-layers') before scoring.",
      );
    }
  })();
  return pending;
}
