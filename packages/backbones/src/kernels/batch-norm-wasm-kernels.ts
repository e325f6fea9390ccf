// The tfjs `wasm` kernels of training-mode BatchNorm (+ ReLU) and of the residual add + ReLU, on the
// hand-written SIMD kernels in ../../assembly/batch-norm*.ts. Registered under our own kernel names
// (no tfjs kernel is replaced); batch-norm-ops.ts turns them into differentiable ops.
import * as tf from '@tensorflow/tfjs-core';

import { callKernelFunction, heapOffset, kernelModuleHas, kernelsFor, withScratch, type WasmBackendInternals } from './kernel-module';
import { registerSharedIdentity } from './shared-identity';

const WASM = 'wasm';

/** Inputs `{x [..., C], scale [C], offset [C]}`, attrs `{epsilon, relu}`; outputs `[y, mean [C], variance [C]]`. */
export const BATCH_NORM_TRAINING_FORWARD = 'HvcmBatchNormTrainingForward';
/**
 * Inputs `{dy, x [..., C], scale, offset, mean, variance [C]}` (the forward's inputs and statistics),
 * attrs `{epsilon, relu}`; outputs `[dx, dScale [C], dOffset [C]]`.
 */
export const BATCH_NORM_TRAINING_BACKWARD = 'HvcmBatchNormTrainingBackward';
/** Inputs `{a, b}` (same shape); output `max(a + b, 0)`. */
export const ADD_RELU = 'HvcmAddRelu';
/** Inputs `{dy, y}` (`y` the output of `HvcmAddRelu`); output `dy * (y > 0)`, the gradient of `a` and of `b`. */
export const ADD_RELU_BACKWARD = 'HvcmAddReluBackward';

/**
 * Inputs `{runningMean, runningVar, mean, variance}` (all `[C]`), attrs `{keep, meanWeight, varWeight}`;
 * outputs `[runningMean keep + mean meanWeight, runningVar keep + variance varWeight]`. No gradient.
 */
export const BATCH_NORM_MOVING_STATISTICS = 'HvcmBatchNormMovingStatistics';

/** Attributes of `HvcmBatchNormMovingStatistics`: the weights of the old and the batch statistics. */
export interface MovingStatisticsAttrs {
  keep: number;
  meanWeight: number;
  varWeight: number;
}

/** Attributes of the BatchNorm kernels. */
export interface BatchNormKernelAttrs {
  epsilon: number;
  relu: boolean;
}

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  attrs?: tf.NamedAttrMap;
  backend: unknown;
}

/** Scratch bytes of the AssemblyScript BatchNorm kernels: 48 per channel, channels rounded up to 4. */
function scratchBytes(channels: number): number {
  return 48 * (Math.ceil(channels / 4) * 4);
}

function input(args: KernelArgs, name: string): tf.TensorInfo {
  const t = args.inputs[name];
  if (t == null) throw new Error(`@hvcm/backbones: wasm kernel input '${name}' is missing`);
  if (t.dtype !== 'float32') throw new Error(`@hvcm/backbones: wasm kernel input '${name}' must be float32, got ${t.dtype}`);
  return t;
}

/** `[rows, channels]` of an NHWC-like tensor: the last axis is the channel, the rest are rows. */
function matrixDims(x: tf.TensorInfo, op: string, vectors: tf.TensorInfo[]): [number, number] {
  const c = x.shape.at(-1) ?? 1;
  for (const v of vectors) {
    if (v.shape.length !== 1 || v.shape[0] !== c) {
      throw new Error(`@hvcm/backbones: ${op}: per-channel inputs must be [${c}], got [${v.shape.join(', ')}]`);
    }
  }
  return [c === 0 ? 0 : tf.util.sizeFromShape(x.shape) / c, c];
}

function output(args: KernelArgs, shape: number[]): tf.TensorInfo {
  return (args.backend as WasmBackendInternals).makeOutput(shape, 'float32') as tf.TensorInfo;
}

function batchNormForwardKernel(args: KernelArgs): tf.TensorInfo[] {
  const { epsilon, relu } = args.attrs as unknown as BatchNormKernelAttrs;
  const [x, scale, offset] = [input(args, 'x'), input(args, 'scale'), input(args, 'offset')];
  const [m, c] = matrixDims(x, BATCH_NORM_TRAINING_FORWARD, [scale, offset]);
  const [y, mean, variance] = [output(args, x.shape), output(args, [c]), output(args, [c])];
  if (m === 0 || c === 0) return [y, mean, variance];
  const b = args.backend;
  withScratch(b, scratchBytes(c), (scratch) =>
    callKernelFunction(kernelsFor(b), 'batchNormForward',
      heapOffset(b, x), m, c, heapOffset(b, scale), heapOffset(b, offset), epsilon, relu ? 1 : 0,
      heapOffset(b, y), heapOffset(b, mean), heapOffset(b, variance), scratch,
    ),
  );
  return [y, mean, variance];
}

function batchNormBackwardKernel(args: KernelArgs): tf.TensorInfo[] {
  const { epsilon, relu } = args.attrs as unknown as BatchNormKernelAttrs;
  const [dy, x] = [input(args, 'dy'), input(args, 'x')];
  const vectors = ['scale', 'offset', 'mean', 'variance'].map((name) => input(args, name));
  const [scale, offset, mean, variance] = vectors as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
  const [m, c] = matrixDims(x, BATCH_NORM_TRAINING_BACKWARD, vectors);
  if (tf.util.sizeFromShape(dy.shape) !== m * c) {
    throw new Error(`@hvcm/backbones: ${BATCH_NORM_TRAINING_BACKWARD}: dy [${dy.shape.join(', ')}] does not match x [${x.shape.join(', ')}]`);
  }
  const [dx, dScale, dOffset] = [output(args, x.shape), output(args, [c]), output(args, [c])];
  if (m === 0 || c === 0) return [dx, dScale, dOffset];
  const b = args.backend;
  withScratch(b, scratchBytes(c), (scratch) =>
    callKernelFunction(kernelsFor(b), 'batchNormBackward',
      heapOffset(b, dy), heapOffset(b, x), m, c, heapOffset(b, scale), heapOffset(b, offset),
      heapOffset(b, mean), heapOffset(b, variance), epsilon, relu ? 1 : 0,
      heapOffset(b, dx), heapOffset(b, dScale), heapOffset(b, dOffset), scratch,
    ),
  );
  return [dx, dScale, dOffset];
}

function movingStatisticsKernel(args: KernelArgs): tf.TensorInfo[] {
  const { keep, meanWeight, varWeight } = args.attrs as unknown as MovingStatisticsAttrs;
  const vectors = ['runningMean', 'runningVar', 'mean', 'variance'].map((name) => input(args, name));
  const [runningMean, runningVar, mean, variance] = vectors as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
  const c = runningMean.shape[0] ?? 0;
  matrixDims(runningMean, BATCH_NORM_MOVING_STATISTICS, vectors);
  const [newMean, newVar] = [output(args, [c]), output(args, [c])];
  const b = args.backend;
  const o = (t: tf.TensorInfo): number => heapOffset(b, t);
  callKernelFunction(kernelsFor(b), 'batchNormMovingStatistics',
    o(runningMean), o(runningVar), o(mean), o(variance), c, keep, meanWeight, varWeight, o(newMean), o(newVar),
  );
  return [newMean, newVar];
}

/** One output from two same-size inputs through an elementwise AssemblyScript kernel. */
function elementwiseKernel(op: string, exported: string, names: [string, string]) {
  return (args: KernelArgs): tf.TensorInfo => {
    const [p, q] = [input(args, names[0]), input(args, names[1])];
    const n = tf.util.sizeFromShape(p.shape);
    if (tf.util.sizeFromShape(q.shape) !== n) {
      throw new Error(`@hvcm/backbones: ${op}: ${names[0]} [${p.shape.join(', ')}] and ${names[1]} [${q.shape.join(', ')}] differ in size`);
    }
    const out = output(args, p.shape);
    const b = args.backend;
    if (n > 0) callKernelFunction(kernelsFor(b), exported, heapOffset(b, p), heapOffset(b, q), n, heapOffset(b, out));
    return out;
  };
}

const configs: tf.KernelConfig[] = [
  { kernelName: BATCH_NORM_TRAINING_FORWARD, backendName: WASM, kernelFunc: batchNormForwardKernel as unknown as tf.KernelFunc },
  { kernelName: BATCH_NORM_TRAINING_BACKWARD, backendName: WASM, kernelFunc: batchNormBackwardKernel as unknown as tf.KernelFunc },
  {
    kernelName: BATCH_NORM_MOVING_STATISTICS,
    backendName: WASM,
    kernelFunc: movingStatisticsKernel as unknown as tf.KernelFunc,
  },
  { kernelName: ADD_RELU, backendName: WASM, kernelFunc: elementwiseKernel(ADD_RELU, 'addReluForward', ['a', 'b']) as unknown as tf.KernelFunc },
  {
    kernelName: ADD_RELU_BACKWARD,
    backendName: WASM,
    kernelFunc: elementwiseKernel(ADD_RELU_BACKWARD, 'addReluBackward', ['dy', 'y']) as unknown as tf.KernelFunc,
  },
];

let disabled = false;
let moduleAvailable: boolean | undefined;
/** Set by `registerBatchNormWasmKernels`, so the ops (which call it on every use) register only once. */
let registered = false;

/**
 * Registers the five kernels for `wasm` (idempotent) and lets the ops in batch-norm-ops.ts use them.
 * Not required: the ops register them on first use on `wasm`; this undoes `unregisterBatchNormWasmKernels`.
 */
export function registerBatchNormWasmKernels(): void {
  disabled = false;
  if (registered) return;
  // The ops save x for their gradients; with wasm's own (copying) Identity that would copy every activation.
  registerSharedIdentity();
  for (const config of configs) {
    if (tf.getKernel(config.kernelName, WASM) == null) tf.registerKernel(config);
  }
  registered = true;
}

/** Unregisters the kernels; the ops fall back to the tfjs-op path until `registerBatchNormWasmKernels`. */
export function unregisterBatchNormWasmKernels(): void {
  disabled = true;
  registered = false;
  for (const config of configs) {
    if (tf.getKernel(config.kernelName, WASM) != null) tf.unregisterKernel(config.kernelName, WASM);
  }
}

/** The AssemblyScript functions these kernels call (from ../../assembly/batch-norm*.ts). */
const EXPORTS = ['batchNormForward', 'batchNormBackward', 'batchNormMovingStatistics', 'addReluForward', 'addReluBackward'];

/**
 * True when build/kernels.wasm exists, instantiates on the active backend (it needs wasm SIMD) and has
 * every function used here (a build older than the batch-norm sources lacks them).
 */
function kernelModuleLoads(): boolean {
  return kernelModuleHas(tf.backend(), EXPORTS);
}

/**
 * True when the ops should run the wasm kernels: the active backend is `wasm`, the kernel module is
 * built and loads (checked once; otherwise the ops keep the tfjs-op path), and
 * `unregisterBatchNormWasmKernels` was not called. Registers the kernels on first use.
 */
export function batchNormWasmKernelsActive(): boolean {
  if (disabled || tf.getBackend() !== WASM) return false;
  moduleAvailable ??= kernelModuleLoads();
  if (!moduleAvailable) return false;
  registerBatchNormWasmKernels();
  return true;
}
