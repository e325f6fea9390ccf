import { InvalidArgumentError } from './errors/invalid-argument-error';
import { ShapeMismatchError } from './errors/shape-mismatch-error';

type Labels = Int32Array | Uint8Array | Uint16Array | Uint32Array | Int16Array | readonly number[];

/** Classification accuracy: the fraction of `predicted[i] === labels[i]`. */
export function accuracy(predicted: Labels, labels: Labels): number {
  if (predicted.length !== labels.length) {
    throw new ShapeMismatchError(
      `accuracy: predicted and labels must have the same length, got ${predicted.length} predictions and ${labels.length} labels.`,
    );
  }
  if (labels.length === 0) {
    throw new InvalidArgumentError('accuracy: expected at least one prediction, got empty arrays.');
  }
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) correct++;
  return correct / labels.length;
}
