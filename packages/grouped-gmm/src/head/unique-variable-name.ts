import * as tf from '@tensorflow/tfjs-core';

/**
 * `prefix` if no registered variable starts with `${prefix}/`, else `${prefix}_1`, `${prefix}_2`, ...
 * (tfjs variable names are global per engine; Keras does the same). Checkpoints should store names
 * relative to the prefix.
 */
export function uniqueVariablePrefix(prefix: string): string {
  const names = Object.keys(tf.engine().registeredVariables);
  const taken = (p: string) => names.some((n) => n.startsWith(`${p}/`));
  if (!taken(prefix)) return prefix;
  for (let i = 1; ; i++) if (!taken(`${prefix}_${i}`)) return `${prefix}_${i}`;
}
