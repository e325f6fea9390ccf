/**
 * Float32 views over the shared memory of a data-parallel group: one gradient slot and one buffer
 * slot per replica (each replica writes only its own), and one broadcast area (weights, then
 * buffers) used to make the replicas identical at start-up and by `setWeights`.
 */
export interface SharedSlots {
  grads: Float32Array[];
  buffers: Float32Array[];
  sharedWeights: Float32Array;
  sharedBuffers: Float32Array;
}

export function viewSlots(
  grads: SharedArrayBuffer | ArrayBuffer,
  buffers: SharedArrayBuffer | ArrayBuffer,
  shared: SharedArrayBuffer | ArrayBuffer,
  workers: number,
  parameterCount: number,
  bufferCount: number,
): SharedSlots {
  return {
    grads: Array.from({ length: workers }, (_, i) => new Float32Array(grads, i * parameterCount * 4, parameterCount)),
    buffers: Array.from({ length: workers }, (_, i) => new Float32Array(buffers, i * bufferCount * 4, bufferCount)),
    sharedWeights: new Float32Array(shared, 0, parameterCount),
    sharedBuffers: new Float32Array(shared, parameterCount * 4, bufferCount),
  };
}
