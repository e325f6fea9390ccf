import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError } from '@hvcm/metrics';
import { DenseLayer } from './dense-layer';
import { gelu, l2NormalizeRows } from './activations';
import { uniqueVariablePrefix } from './unique-variable-name';
import { stopGradient } from '../loss/stop-gradient';

/** Options of {@link HvcmHead}. */
export interface HvcmHeadOptions {
  /** Backbone feature size E (512 for ResNet-18, 2048 for ResNet-50). */
  readonly inputDim: number;
  /** Number of attribute groups M (32 in the paper). */
  readonly numGroups: number;
  /** Size d of one group; the attribute vector has D = M * d entries. */
  readonly groupDim: number;
  /** Width of the normalised bottleneck (256 in the paper). */
  readonly bottleneckDim?: number;
  /**
   * Hidden widths of the MLP before the bottleneck, each followed by GELU. `[]` (default) is the
   * supervised recipe's single Linear E->256; `[2048, 2048]` is the self-distillation recipe's
   * Linear E->2048->GELU->2048->GELU->256.
   */
  readonly hiddenDims?: readonly number[];
  /** Variable name prefix (default `hvcm-head`; `_1`, `_2`, ... is appended when taken). */
  readonly name?: string;
  /** Initialisation seed (default 0). */
  readonly seed?: number;
  /**
   * Stop the gradient between the group-weight layer and the shared bottleneck: `g = U sg(u)`.
   * Default `false`, as released and as DESIGN.md writes it (`g = U u`): the HVCM weight term then
   * moves the group-weight layer AND, through `u`, the MLP and backbone (never the attribute layer
   * or the centers). `true` confines the weight term to the group-weight layer alone.
   */
  readonly detachGroupWeightInput?: boolean;
}

/** Output of {@link HvcmHead.apply}. */
export interface HvcmHeadOutput {
  /** Attributes `[n, M * d]`, viewed as `[n, M, d]` groups. */
  readonly attributes: tf.Tensor2D;
  /** Group-weight logits `[n, M]` (softmax over M gives the sample's group weights). */
  readonly groupLogits: tf.Tensor2D;
}

function checkPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new InvalidArgumentError(`HvcmHead: ${name} must be a positive integer, got ${value}.`);
  }
}

/**
 * The HVCM head (DESIGN.md section 3): `u = l2normalize(MLP(z))`, attributes `a = V u` with `V`
 * weight-normalised (each output row of unit norm, gain fixed at 1, no bias), and group-weight
 * logits `g = U u` (no bias). Own layers on tfjs-core with named variables:
 * `${name}/mlp-<i>/kernel|bias`, `${name}/attribute/direction` (the weight-norm `v`, `[bottleneck, D]`)
 * and `${name}/group-weight/kernel` (`[bottleneck, M]`).
 *
 * Initialisation follows the release: MLP truncated normal std 0.02 with zero bias; the attribute
 * direction and the group-weight kernel use PyTorch's `nn.Linear` default U(+-1/sqrt(fanIn)).
 */
export class HvcmHead {
  readonly inputDim: number;
  readonly numGroups: number;
  readonly groupDim: number;
  readonly bottleneckDim: number;
  readonly hiddenDims: readonly number[];
  readonly name: string;
  readonly detachGroupWeightInput: boolean;
  private readonly mlp: DenseLayer[];
  /** Weight-norm direction `v` `[bottleneck, D]`; the effective weight is `v / ||v||` per column. */
  readonly attributeDirection: tf.Variable<tf.Rank.R2>;
  private readonly groupWeightLayer: DenseLayer;

  constructor(options: HvcmHeadOptions) {
    const bottleneckDim = options.bottleneckDim ?? 256;
    const hiddenDims = [...(options.hiddenDims ?? [])];
    checkPositiveInteger('inputDim', options.inputDim);
    checkPositiveInteger('numGroups', options.numGroups);
    checkPositiveInteger('groupDim', options.groupDim);
    checkPositiveInteger('bottleneckDim', bottleneckDim);
    hiddenDims.forEach((h, i) => checkPositiveInteger(`hiddenDims[${i}]`, h));
    this.inputDim = options.inputDim;
    this.numGroups = options.numGroups;
    this.groupDim = options.groupDim;
    this.bottleneckDim = bottleneckDim;
    this.hiddenDims = hiddenDims;
    this.name = uniqueVariablePrefix(options.name ?? 'hvcm-head');
    this.detachGroupWeightInput = options.detachGroupWeightInput ?? false;
    const seed = options.seed ?? 0;
    const widths = [options.inputDim, ...hiddenDims, bottleneckDim];
    this.mlp = [];
    for (let i = 0; i + 1 < widths.length; i++) {
      this.mlp.push(new DenseLayer({
        name: `${this.name}/mlp-${i}`,
        inputDim: widths[i] ?? 0,
        outputDim: widths[i + 1] ?? 0,
        useBias: true,
        init: 'trunc-normal-0.02',
        seed: seed + 17 * i,
      }));
    }
    const attributeDim = this.numGroups * this.groupDim;
    const bound = 1 / Math.sqrt(bottleneckDim);
    const direction = tf.randomUniform([bottleneckDim, attributeDim], -bound, bound, 'float32', seed + 1001);
    this.attributeDirection = tf.variable(direction, true, `${this.name}/attribute/direction`) as tf.Variable<tf.Rank.R2>;
    direction.dispose();
    this.groupWeightLayer = new DenseLayer({
      name: `${this.name}/group-weight`,
      inputDim: bottleneckDim,
      outputDim: this.numGroups,
      useBias: false,
      init: 'torch-default',
      seed: seed + 2003,
    });
  }

  /** D = M * d, the attribute vector's length. */
  get attributeDim(): number {
    return this.numGroups * this.groupDim;
  }

  /** Every trainable variable of the head (MLP, attribute direction, group-weight kernel). */
  get variables(): tf.Variable[] {
    return [...this.mlp.flatMap((layer) => layer.variables), this.attributeDirection, ...this.groupWeightLayer.variables];
  }

  /** The group-weight layer's variables (the only ones the HVCM weight term moves). */
  get groupWeightVariables(): tf.Variable[] {
    return this.groupWeightLayer.variables;
  }

  /** The effective attribute weight `V = v / ||v||` per output unit, `[bottleneck, D]` (columns of unit norm). */
  attributeWeight(): tf.Tensor2D {
    return tf.tidy(() => tf.div(this.attributeDirection, tf.norm(this.attributeDirection, 'euclidean', 0, true)));
  }

  /** The normalised bottleneck `u = l2normalize(MLP(z))`, `z [n, E]` -> `[n, bottleneck]`. */
  bottleneck(features: tf.Tensor2D): tf.Tensor2D {
    if (features.rank !== 2 || features.shape[1] !== this.inputDim) {
      throw new ShapeMismatchError(
        `HvcmHead: expected features [n, ${this.inputDim}], got [${features.shape.join(', ')}]. Pass the backbone's pooled features.`,
      );
    }
    return tf.tidy(() => {
      let x: tf.Tensor2D = features;
      this.mlp.forEach((layer, i) => {
        x = layer.apply(x);
        if (i + 1 < this.mlp.length) x = gelu(x);
      });
      return l2NormalizeRows(x);
    });
  }

  /**
   * Forward pass: backbone features `[n, E]` -> attributes `[n, M * d]` and group logits `[n, M]`.
   * Differentiable; call inside `tf.tidy` or a gradient function and dispose the outputs.
   */
  apply(features: tf.Tensor2D): HvcmHeadOutput {
    return tf.tidy(() => {
      const u = this.bottleneck(features);
      const groupInput = this.detachGroupWeightInput ? stopGradient(u) : u;
      return { attributes: tf.matMul(u, this.attributeWeight()) as tf.Tensor2D, groupLogits: this.groupWeightLayer.apply(groupInput) };
    });
  }

  dispose(): void {
    this.mlp.forEach((layer) => layer.dispose());
    this.attributeDirection.dispose();
    this.groupWeightLayer.dispose();
  }
}
