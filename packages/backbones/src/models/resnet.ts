import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node bundle registers no gradients; tfjs-layers' bundle registers all of them into the
// registry every tfjs-core copy shares, and (unlike `tfjs-core/dist/register_all_gradients`) loads under
// plain Node ESM. Imported for that side effect so that `forward` is trainable (see also
// ../gradients/register-core-gradients.ts).
import '@tensorflow/tfjs-layers';
import { ShapeMismatchError } from '@hvcm/metrics';

import { addRelu } from '../kernels/batch-norm-ops';
import type {
  Backbone,
  BackboneOutput,
  FoldedBackbone,
  ForwardOptions,
  ResolvedBackboneOptions,
} from './backbone';
import {
  batchNormTraining,
  createBatchNorm,
  foldBatchNorm,
  type BatchNormSettings,
  type BatchNormVariables,
} from './batch-norm';
import { heNormalConvFilter, linearInit } from './initializers';
import { describeResNet, type ConvDescription, type ResNetSpec } from './resnet-spec';
import { VariableStore } from './variable-store';

/** A bias-free convolution followed by a BatchNorm: the unit every ResNet layer is made of. */
interface ConvBatchNorm {
  readonly conv: ConvDescription;
  readonly filter: tf.Variable;
  readonly bn: BatchNormVariables;
}

interface ResidualBlock {
  /** Main path; a ReLU follows every unit but the last. */
  readonly units: readonly ConvBatchNorm[];
  /** Projection shortcut when the block changes shape; identity otherwise. */
  readonly shortcut: ConvBatchNorm | null;
}

/** A conv with its BatchNorm folded in (inference only). */
interface FoldedUnit {
  readonly conv: ConvDescription;
  readonly filter: tf.Tensor4D;
  readonly bias: tf.Tensor1D;
}

interface FoldedNetwork {
  readonly stem: FoldedUnit;
  readonly blocks: readonly { units: readonly FoldedUnit[]; shortcut: FoldedUnit | null }[];
  /** Every tensor above, to dispose. */
  readonly tensors: tf.Tensor[];
}

/** Whether a `tf.grad`/`variableGrads` tape is recording (then folded weights must stay differentiable). */
function isRecordingGradients(): boolean {
  return (tf.engine().state as unknown as { gradientDepth: number }).gradientDepth > 0;
}

/** Conv call shared by all paths: NHWC, PyTorch-style symmetric padding. */
function conv(x: tf.Tensor4D, filter: tf.Tensor4D, c: ConvDescription): tf.Tensor4D {
  return tf.conv2d(x, filter, c.stride, c.pad === 0 ? 'valid' : c.pad, 'NHWC');
}

/** Conv + bias (+ ReLU) as one fused kernel where the backend has one (BatchNorm already folded in). */
function fusedConv(
  u: FoldedUnit,
  input: tf.Tensor4D,
  relu: boolean,
): tf.Tensor4D {
  return tf.fused.conv2d({
    x: input,
    filter: u.filter,
    strides: u.conv.stride,
    pad: u.conv.pad === 0 ? 'valid' : u.conv.pad,
    dataFormat: 'NHWC',
    bias: u.bias,
    activation: relu ? 'relu' : 'linear',
  });
}

/** Max-pool 3x3 stride 2 pad 1 of the ImageNet stem (inputs are post-ReLU, so zero padding is exact). */
function stemMaxPool(x: tf.Tensor4D): tf.Tensor4D {
  return tf.maxPool(x, 3, 2, 1);
}

/**
 * ResNet on tfjs-core ops with explicit variables (see `Backbone`). Layout NHWC throughout, so the
 * backends' native convolutions run with no transposes.
 */
export class ResNet implements Backbone {
  readonly featureDim: number;
  readonly numClasses: number;
  readonly inputShape: readonly [number, number, number];
  readonly parameters: ReadonlyMap<string, tf.Variable>;
  readonly buffers: ReadonlyMap<string, tf.Variable>;

  private readonly store: VariableStore;
  private readonly stem: ConvBatchNorm;
  private readonly blocks: readonly ResidualBlock[];
  private readonly head: { weight: tf.Variable; bias: tf.Variable } | null;
  private readonly bnSettings: BatchNormSettings;
  private disposed = false;
  private foldCache: { key: object[]; network: FoldedNetwork } | null = null;

  constructor(
    readonly name: string,
    readonly spec: ResNetSpec,
    readonly options: ResolvedBackboneOptions,
  ) {
    this.bnSettings = { momentum: options.batchNormMomentum, epsilon: options.batchNormEpsilon };
    this.store = new VariableStore(`hvcm-${name}`);
    const description = describeResNet(spec);
    let seed = options.seed;
    const nextSeed = (): number | undefined => (seed === null ? undefined : seed++);

    const units = new Map<string, ConvBatchNorm>();
    const lastUnitOfBlock = new Set<string>();
    for (const c of description.convs) {
      const filter = this.store.parameter(
        `${c.name}.weight`,
        heNormalConvFilter(c.kernel, c.inChannels, c.outChannels, nextSeed()),
      );
      units.set(c.name, { conv: c, filter, bn: createBatchNorm(this.store, c.batchNormName, c.outChannels) });
    }
    const unit = (name: string): ConvBatchNorm => {
      const u = units.get(name);
      if (u === undefined) throw new Error(`internal: no conv ${name}`);
      return u;
    };

    this.stem = unit('conv1');
    const blocks: ResidualBlock[] = [];
    const perBlock = spec.block === 'basic' ? ['conv1', 'conv2'] : ['conv1', 'conv2', 'conv3'];
    spec.blocksPerStage.forEach((count, stage) => {
      for (let b = 0; b < count; b++) {
        const prefix = `layer${stage + 1}.${b}`;
        const main = perBlock.map((n) => unit(`${prefix}.${n}`));
        lastUnitOfBlock.add(`${prefix}.${perBlock.at(-1)}`);
        const shortcut = units.get(`${prefix}.downsample.0`) ?? null;
        blocks.push({ units: main, shortcut });
      }
    });
    this.blocks = blocks;

    if (options.zeroInitResidual) {
      tf.tidy(() => {
        for (const name of lastUnitOfBlock) unit(name).bn.weight.assign(tf.zerosLike(unit(name).bn.weight));
      });
    }

    if (spec.numClasses > 0) {
      const { weight, bias } = linearInit(description.featureDim, spec.numClasses, nextSeed());
      this.head = {
        weight: this.store.parameter('fc.weight', weight),
        bias: this.store.parameter('fc.bias', bias),
      };
    } else {
      this.head = null;
    }

    this.featureDim = description.featureDim;
    this.numClasses = spec.numClasses;
    this.inputShape = [spec.inputSize, spec.inputSize, spec.inputChannels];
    this.parameters = this.store.parameters;
    this.buffers = this.store.buffers;
  }

  forward(x: tf.Tensor4D, options: ForwardOptions = {}): BackboneOutput {
    this.checkInput(x);
    const training = options.training ?? false;
    const update = options.updateStatistics ?? training;
    if (training) {
      return tf.tidy(() =>
        this.run(x, { stem: this.stem, blocks: this.blocks }, this.head, (u, input, relu) =>
          batchNormTraining(conv(input, u.filter as tf.Tensor4D, u.conv), u.bn, this.bnSettings, update, relu),
        ),
      );
    }
    // Inference folds each BatchNorm into its convolution, so that one fused conv + bias (+ ReLU)
    // kernel replaces conv, BatchNorm and ReLU (on wasm the BatchNorm kernel alone cost about half a
    // conv). Under a gradient tape the fold is recomputed as part of the graph, so gradients reach
    // the variables; otherwise the folded filters are cached until any variable changes (new filter
    // tensors on every call made wasm's XNNPACK re-create its conv operators: 1.8-1.9x the time on small-resnet).
    if (isRecordingGradients()) {
      return tf.tidy(() =>
        this.run(x, { stem: this.stem, blocks: this.blocks }, this.head, (u, input, relu) => {
          const { filter, bias } = foldBatchNorm(u.filter as tf.Tensor4D, u.bn, this.bnSettings);
          return fusedConv({ conv: u.conv, filter, bias }, input, relu);
        }),
      );
    }
    const folded = this.cachedFold();
    return tf.tidy(() => this.run(x, folded, this.head, fusedConv));
  }

  /** The folded network for the current variables, rebuilt when any variable was assigned since. */
  private cachedFold(): FoldedNetwork {
    const key = [...this.parameters.values(), ...this.buffers.values()].map((v) => v.dataId);
    const cache = this.foldCache;
    if (cache !== null && cache.key.length === key.length && cache.key.every((id, i) => id === key[i])) {
      return cache.network;
    }
    if (cache !== null) tf.dispose(cache.network.tensors);
    const network = this.foldNetwork();
    this.foldCache = { key, network };
    return network;
  }

  /** Every conv + BatchNorm folded into a filter and a bias; the tensors are kept (outlive any tidy). */
  private foldNetwork(): FoldedNetwork {
    const tensors: tf.Tensor[] = [];
    const fold = (u: ConvBatchNorm): FoldedUnit => {
      const { filter, bias } = foldBatchNorm(u.filter as tf.Tensor4D, u.bn, this.bnSettings);
      tensors.push(tf.keep(filter), tf.keep(bias));
      return { conv: u.conv, filter, bias };
    };
    const stem = fold(this.stem);
    const blocks = this.blocks.map((b) => ({
      units: b.units.map(fold),
      shortcut: b.shortcut === null ? null : fold(b.shortcut),
    }));
    return { stem, blocks, tensors };
  }

  /**
   * The network graph, shared by every mode: `apply(unit, input, relu)` runs one conv + BatchNorm
   * (+ ReLU). Call inside `tf.tidy`.
   */
  private run<U>(
    x: tf.Tensor4D,
    network: { stem: U; blocks: readonly { units: readonly U[]; shortcut: U | null }[] },
    head: { weight: tf.Tensor; bias: tf.Tensor } | null,
    apply: (u: U, input: tf.Tensor4D, relu: boolean) => tf.Tensor4D,
  ): BackboneOutput {
    const { stem, blocks } = network;
    let y = apply(stem, x, true);
    if (this.spec.stem === 'imagenet') y = stemMaxPool(y);
    for (const block of blocks) {
      let out = y;
      block.units.forEach((u, i) => {
        out = apply(u, out, i < block.units.length - 1);
      });
      const shortcut = block.shortcut === null ? y : apply(block.shortcut, y, false);
      y = addRelu(out, shortcut);
    }
    return this.pool(y, head);
  }

  parameterCount(): number {
    let total = 0;
    for (const v of this.parameters.values()) total += v.size;
    return total;
  }

  fold(): FoldedBackbone {
    this.checkNotDisposed();
    const network = this.foldNetwork();
    const head =
      this.head === null
        ? null
        : { weight: tf.keep(tf.clone(this.head.weight)), bias: tf.keep(tf.clone(this.head.bias)) };
    const all = head === null ? network.tensors : [...network.tensors, head.weight, head.bias];
    let released = false;
    return {
      forward: (x: tf.Tensor4D): BackboneOutput => {
        if (released) throw new Error('this folded backbone was disposed');
        this.checkInput(x);
        return tf.tidy(() => this.run(x, network, head, fusedConv));
      },
      dispose: (): void => {
        if (released) return;
        released = true;
        for (const t of all) t.dispose();
      },
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.foldCache !== null) tf.dispose(this.foldCache.network.tensors);
    this.foldCache = null;
    this.store.dispose();
  }

  /** Global average pool to `[n, E]`, then the optional linear head. */
  private pool(
    y: tf.Tensor4D,
    head: { weight: tf.Tensor; bias: tf.Tensor } | null = this.head,
  ): BackboneOutput {
    const features = tf.mean(y, [1, 2]) as tf.Tensor2D;
    if (head === null) return { features };
    const logits = tf.add(tf.matMul(features, head.weight as tf.Tensor2D), head.bias) as tf.Tensor2D;
    return { features, logits };
  }

  private checkNotDisposed(): void {
    if (this.disposed) throw new Error(`backbone ${this.name} was disposed`);
  }

  private checkInput(x: tf.Tensor): void {
    this.checkNotDisposed();
    const c = this.spec.inputChannels;
    if (x.rank !== 4 || x.shape[3] !== c) {
      throw new ShapeMismatchError(
        `${this.name}: expected NHWC images [n, h, w, ${c}], got shape [${x.shape.join(', ')}]; ` +
          'transpose NCHW input to NHWC and match the channel count the backbone was built with',
      );
    }
  }
}
