import { InvalidArgumentError } from '@hvcm/metrics';

/** Throws unless `value` is an integer in [min, max]. `name` is the argument's name for the message. */
export function checkInteger(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new InvalidArgumentError(`${name} must be an integer ${range}; got ${value}.`);
  }
}

/**
 * Throws unless `classes` holds distinct integers in [0, numClasses). Returns them as an Int32Array
 * (same order).
 */
export function checkClassList(name: string, classes: ArrayLike<number>, numClasses: number): Int32Array {
  const out = Int32Array.from(classes);
  const seen = new Uint8Array(numClasses);
  for (let i = 0; i < classes.length; i += 1) {
    const c = classes[i] as number;
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
      throw new InvalidArgumentError(
        `${name}[${i}] must be a class id in [0, ${numClasses}); got ${c}. Pass class ids of the labelled set.`,
      );
    }
    if (seen[c] === 1) {
      throw new InvalidArgumentError(`${name} must not repeat a class; class ${c} appears twice.`);
    }
    seen[c] = 1;
  }
  return out;
}

/** Throws unless every label is an integer >= 0. Returns the largest label + 1 (0 when empty). */
export function checkLabels(labels: ArrayLike<number>): number {
  let max = -1;
  for (let i = 0; i < labels.length; i += 1) {
    const y = labels[i] as number;
    if (!Number.isInteger(y) || y < 0) {
      throw new InvalidArgumentError(
        `labels[${i}] must be a non-negative integer class id; got ${y}. Remap labels to 0..K-1 first.`,
      );
    }
    if (y > max) max = y;
  }
  return max + 1;
}
