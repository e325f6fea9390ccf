import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { InvalidArgumentError, ShapeMismatchError } from '@hvcm/metrics';
import { beforeAll, describe, expect, it } from 'vitest';

import { backboneSpec, createBackbone, listBackbones } from '../registry';
import type { Backbone } from './backbone';
import { countParameters, describeResNet } from './resnet-spec';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A deterministic batch of NHWC images in [0, 1). */
function images(n: number, size: number, channels: number, seed = 7): tf.Tensor4D {
  return tf.randomUniform([n, size, size, channels], 0, 1, 'float32', seed) as tf.Tensor4D;
}

describe('parameter counts (reference architectures)', () => {
  // Reference numbers: torchvision `sum(p.numel() for p in resnet18().parameters())` etc.; rederived by the
  // standard formula: sum of k*k*cin*cout over convs + 2*C per BatchNorm + E*classes + classes.
  // CIFAR ResNet-18 = ResNet-18 - 7*7*3*64 (stem) - 512*1000 - 1000 (head) + 3*3*3*64 + 512*10 + 10.
  it.each([
    ['resnet18', 1000, 11_689_512],
    ['resnet34', 1000, 21_797_672],
    ['resnet50', 1000, 25_557_032],
    ['cifar-resnet18', 10, 11_173_962],
  ] as const)('%s with %i classes has %i parameters', (name, numClasses, expected) => {
    expect(countParameters(backboneSpec(name, { numClasses }))).toBe(expected);
  });

  it('small-resnet (16/32/64, [2,2,2], grayscale) matches its hand count', () => {
    // stem 9*1*16 + BN 32; stage 1: 4 convs 9*16*16 + BN 32 each; stage 2: 9*16*32 + 3 * 9*32*32 + 1x1 16*32,
    // 5 BNs of 64; stage 3: 9*32*64 + 3 * 9*64*64 + 1x1 32*64, 5 BNs of 128; head 64*10 + 10.
    const stem = 9 * 16 + 32;
    const stage1 = 4 * (9 * 16 * 16 + 32);
    const stage2 = 9 * 16 * 32 + 3 * 9 * 32 * 32 + 16 * 32 + 5 * 64;
    const stage3 = 9 * 32 * 64 + 3 * 9 * 64 * 64 + 32 * 64 + 5 * 128;
    expect(countParameters(backboneSpec('small-resnet', { numClasses: 10 }))).toBe(
      stem + stage1 + stage2 + stage3 + 64 * 10 + 10,
    );
  });

  it('built models hold exactly the analytic number of parameters', () => {
    const before = tf.memory().numTensors;
    const net = createBackbone('cifar-resnet18', { numClasses: 10, seed: 1 });
    expect(net.parameterCount()).toBe(11_173_962);
    // BatchNorm moving statistics are buffers: 2 per BatchNorm (20 of them in ResNet-18).
    expect(net.buffers.size).toBe(2 * 20);
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('architecture', () => {
  it('ImageNet ResNets halve 224 px five times down to 7x7, PyTorch-style padding', () => {
    const d = describeResNet(backboneSpec('resnet50'));
    const last = d.convs.at(-1)!;
    expect(d.convs[0]).toMatchObject({ kernel: 7, stride: 2, pad: 3, outHeight: 112 });
    expect([last.outHeight, last.outWidth, d.featureDim]).toEqual([7, 7, 2048]);
    // torchvision v1.5: the stride of a bottleneck sits on its 3x3 conv.
    const l2 = d.convs.filter((c) => c.name.startsWith('layer2.0.'));
    expect(l2.map((c) => [c.name, c.stride])).toEqual([
      ['layer2.0.conv1', 1],
      ['layer2.0.conv2', 2],
      ['layer2.0.conv3', 1],
      ['layer2.0.downsample.0', 2],
    ]);
  });

  it('names variables like torchvision state_dict keys (without num_batches_tracked)', () => {
    // torchvision resnet18().state_dict(): 122 keys = 62 parameters + 20 BatchNorms x 3 buffers
    // (running_mean, running_var, num_batches_tracked); we keep no num_batches_tracked.
    const net = createBackbone('resnet18', { numClasses: 1000, widths: [1, 1, 1, 1], stemWidth: 1 });
    expect(net.parameters.size).toBe(62);
    expect(net.buffers.size).toBe(40);
    expect([...net.parameters.keys()].slice(0, 6)).toEqual([
      'conv1.weight',
      'bn1.weight',
      'bn1.bias',
      'layer1.0.conv1.weight',
      'layer1.0.bn1.weight',
      'layer1.0.bn1.bias',
    ]);
    for (const key of ['layer2.0.downsample.0.weight', 'layer2.0.downsample.1.weight', 'layer4.1.bn2.bias', 'fc.weight', 'fc.bias']) {
      expect(net.parameters.has(key)).toBe(true);
    }
    expect(net.buffers.has('layer3.0.downsample.1.running_var')).toBe(true);
    net.dispose();
  });

  it('lists the registered backbones', () => {
    expect(listBackbones().map((b) => b.name)).toEqual([
      'resnet18',
      'resnet34',
      'resnet50',
      'cifar-resnet18',
      'small-resnet',
    ]);
    expect(Object.isFrozen(listBackbones()[0]!.defaults)).toBe(true);
  });

  it('rejects unknown names, bad options and wrongly shaped input with clear errors', () => {
    expect(() => createBackbone('resnet19')).toThrow(InvalidArgumentError);
    expect(() => createBackbone('resnet19')).toThrow(/registered: resnet18/);
    expect(() => createBackbone('small-resnet', { widths: [8, 16], blocksPerStage: [1] })).toThrow(
      InvalidArgumentError,
    );
    expect(() => createBackbone('small-resnet', { numClasses: -1 })).toThrow(InvalidArgumentError);
    const net = createBackbone('small-resnet', { widths: [4, 4, 4], blocksPerStage: [1, 1, 1] });
    const x = images(1, 12, 3);
    expect(() => net.forward(x)).toThrow(ShapeMismatchError);
    x.dispose();
    net.dispose();
  });
});

describe('forward', () => {
  it('gives features [n, E] and logits [n, C] for every family on tiny inputs', () => {
    const before = tf.memory().numTensors;
    const cases: [string, number, number, number][] = [
      // name, input side, channels, E
      ['small-resnet', 28, 1, 64],
      ['cifar-resnet18', 8, 3, 512],
      ['resnet50', 32, 3, 2048],
    ];
    for (const [name, size, channels, e] of cases) {
      const net = createBackbone(name, { numClasses: name === 'resnet50' ? 1000 : 10, seed: 3 });
      if (name === 'resnet50') expect(net.parameterCount()).toBe(25_557_032);
      const x = images(2, size, channels);
      const out = net.forward(x);
      expect(out.features.shape).toEqual([2, e]);
      expect(out.logits?.shape).toEqual([2, net.numClasses]);
      tf.dispose([x, out.features, out.logits!]);
      net.dispose();
    }
    const net = createBackbone('small-resnet', { seed: 3 });
    const x = images(3, 28, 1);
    const out = net.forward(x);
    expect(out.logits).toBeUndefined();
    expect(out.features.shape).toEqual([3, 64]);
    tf.dispose([x, out.features]);
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('zeroInitResidual starts the last BatchNorm of every block at gamma 0 (torchvision), without leaks', () => {
    const before = tf.memory().numTensors;
    const net = createBackbone('resnet50', { widths: [2, 2, 2, 2], blocksPerStage: [1, 1, 1, 1], zeroInitResidual: true });
    const zeroed = [...net.parameters.keys()].filter((k) => /layer\d\.\d\.bn3\.weight/.test(k));
    expect(zeroed).toEqual(['layer1.0.bn3.weight', 'layer2.0.bn3.weight', 'layer3.0.bn3.weight', 'layer4.0.bn3.weight']);
    for (const k of zeroed) expect(Array.from(net.parameters.get(k)!.dataSync()).every((v) => v === 0)).toBe(true);
    expect(Array.from(net.parameters.get('layer1.0.bn2.weight')!.dataSync())).toEqual([1, 1]);
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('equal seeds give equal weights, different seeds different ones', () => {
    const a = createBackbone('small-resnet', { widths: [4, 8, 8], blocksPerStage: [1, 1, 1], seed: 5 });
    const b = createBackbone('small-resnet', { widths: [4, 8, 8], blocksPerStage: [1, 1, 1], seed: 5 });
    const c = createBackbone('small-resnet', { widths: [4, 8, 8], blocksPerStage: [1, 1, 1], seed: 6 });
    for (const [name, v] of a.parameters) {
      expect(b.parameters.get(name)!.dataSync()).toEqual(v.dataSync());
    }
    const w = a.parameters.get('layer1.0.conv1.weight')!.dataSync();
    expect(c.parameters.get('layer1.0.conv1.weight')!.dataSync()).not.toEqual(w);
    // He normal, fan_out = 3*3*4 = 36: std sqrt(2/36) = 0.236 (loose: only 144 samples).
    const std = Math.sqrt(Array.from(w).reduce((s, v) => s + v * v, 0) / w.length);
    expect(std).toBeGreaterThan(0.16);
    expect(std).toBeLessThan(0.32);
    [a, b, c].forEach((n) => n.dispose());
  });

  it('inference is per image; training-mode BatchNorm mixes the batch', () => {
    const net = createBackbone('small-resnet', { widths: [4, 8, 8], blocksPerStage: [1, 1, 1], seed: 2 });
    const x = images(4, 12, 1);
    const first = tf.slice(x, [0, 0, 0, 0], [1, 12, 12, 1]);
    const all = net.forward(x).features;
    const one = net.forward(first).features;
    const gap = tf.max(tf.abs(tf.sub(tf.slice(all, [0, 0], [1, 8]), one)));
    expect(gap.dataSync()[0]).toBeLessThan(1e-5);
    const allT = net.forward(x, { training: true, updateStatistics: false }).features;
    const halfT = net.forward(tf.slice(x, [0, 0, 0, 0], [2, 12, 12, 1]), {
      training: true,
      updateStatistics: false,
    }).features;
    const diff = tf.max(tf.abs(tf.sub(tf.slice(allT, [0, 0], [1, 8]), tf.slice(halfT, [0, 0], [1, 8]))));
    expect(diff.dataSync()[0]).toBeGreaterThan(1e-3);
    net.dispose();
  });
});

/**
 * Independent reference forward in inference mode, from plain ops and the torchvision names alone:
 * conv -> BatchNorm(moving statistics) -> ReLU, blocks `layerS.B` with an optional `downsample`
 * projection, global average pool, linear head.
 */
function referenceForward(net: Backbone, x: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const get = (name: string): tf.Tensor => (net.parameters.get(name) ?? net.buffers.get(name))!;
    const convs = describeResNet(net.spec).convs;
    const convBn = (name: string, input: tf.Tensor4D): tf.Tensor4D => {
      const c = convs.find((d) => d.name === name)!;
      const y = tf.conv2d(input, get(`${name}.weight`) as tf.Tensor4D, c.stride, c.pad === 0 ? 'valid' : c.pad);
      const bn = c.batchNormName;
      return tf.batchNorm(
        y,
        get(`${bn}.running_mean`),
        get(`${bn}.running_var`),
        get(`${bn}.bias`),
        get(`${bn}.weight`),
        net.options.batchNormEpsilon,
      ) as tf.Tensor4D;
    };
    let y = tf.relu(convBn('conv1', x));
    if (net.spec.stem === 'imagenet') y = tf.maxPool(y, 3, 2, 1);
    const blockNames = [...new Set(convs.slice(1).map((c) => c.name.split('.').slice(0, 2).join('.')))];
    for (const block of blockNames) {
      const main = convs.filter((c) => c.name.startsWith(`${block}.conv`));
      let out = y;
      main.forEach((c, i) => {
        out = convBn(c.name, out);
        if (i < main.length - 1) out = tf.relu(out);
      });
      const hasProjection = convs.some((c) => c.name === `${block}.downsample.0`);
      y = tf.relu(tf.add(out, hasProjection ? convBn(`${block}.downsample.0`, y) : y)) as tf.Tensor4D;
    }
    const features = tf.mean(y, [1, 2]) as tf.Tensor2D;
    return tf.add(tf.matMul(features, get('fc.weight') as tf.Tensor2D), get('fc.bias')) as tf.Tensor2D;
  });
}

describe('inference forward against a plain-op reference', () => {
  it.each([
    ['small-resnet', { widths: [4, 8, 8], blocksPerStage: [2, 1, 1] }, 12, 1],
    ['resnet50', { widths: [2, 4, 4, 4], blocksPerStage: [1, 2, 1, 1] }, 40, 3],
  ] as const)('%s (tiny widths) matches after training moved the statistics', (name, options, size, channels) => {
    const net = createBackbone(name, { ...options, numClasses: 3, seed: 8 });
    const x = images(3, size, channels, 5);
    // An inference call first, so that the cached folded filters are stale after training.
    tf.dispose(Object.values(net.forward(x)));
    for (let i = 0; i < 2; i++) tf.dispose(Object.values(net.forward(x, { training: true })));
    const ours = net.forward(x);
    const reference = referenceForward(net, x);
    const err = tf.tidy(
      () => tf.max(tf.abs(tf.sub(ours.logits!, reference))).dataSync()[0]! / tf.max(tf.abs(reference)).dataSync()[0]!,
    );
    expect(err).toBeLessThan(1e-4);
    tf.dispose([x, ours.features, ours.logits!, reference]);
    net.dispose();
  });
});

describe('inference mode under a gradient tape', () => {
  it('passes gradients to the variables and the input (frozen BatchNorm fine-tuning, ODIN)', () => {
    const net = createBackbone('small-resnet', { widths: [4, 8, 8], blocksPerStage: [1, 1, 1], numClasses: 3, seed: 9 });
    const x = images(2, 12, 1, 4);
    tf.dispose(Object.values(net.forward(x))); // fills the inference cache, which must not be used here
    const conv1 = net.parameters.get('layer1.0.conv1.weight')!;
    const gamma = net.parameters.get('layer1.0.bn1.weight')!;
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const f = (): tf.Scalar => tf.sum(net.forward(x).logits!) as tf.Scalar;
      const { grads } = tf.variableGrads(f, [conv1, gamma]);
      expect(tf.max(tf.abs(grads[conv1.name]!)).dataSync()[0]).toBeGreaterThan(0);
      expect(tf.max(tf.abs(grads[gamma.name]!)).dataSync()[0]).toBeGreaterThan(0);
      // Against the autodiff of the plain-op reference forward: input and variable gradients.
      const f1 = (xi: tf.Tensor): tf.Scalar => tf.sum(net.forward(xi as tf.Tensor4D).logits!) as tf.Scalar;
      const f2 = (xi: tf.Tensor): tf.Scalar => tf.sum(referenceForward(net, xi as tf.Tensor4D)) as tf.Scalar;
      const dxOurs = tf.grad(f1)(x);
      const dxRef = tf.grad(f2)(x);
      const rel = (p: tf.Tensor, q: tf.Tensor): number =>
        tf.max(tf.abs(tf.sub(p, q))).dataSync()[0]! / tf.max(tf.abs(q)).dataSync()[0]!;
      expect(rel(dxOurs, dxRef)).toBeLessThan(1e-4);
      const gRef = tf.variableGrads(() => f2(x), [conv1, gamma]).grads;
      expect(rel(grads[conv1.name]!, gRef[conv1.name]!)).toBeLessThan(1e-4);
      expect(rel(grads[gamma.name]!, gRef[gamma.name]!)).toBeLessThan(1e-4);
    });
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    net.dispose();
  });
});

describe('BatchNorm moving statistics', () => {
  function stemStatistics(net: Backbone): [Float32Array, Float32Array] {
    return [
      net.buffers.get('bn1.running_mean')!.dataSync() as Float32Array,
      net.buffers.get('bn1.running_var')!.dataSync() as Float32Array,
    ];
  }

  it('change only in training mode, by PyTorch momentum 0.1 with the unbiased batch variance', () => {
    const net = createBackbone('small-resnet', { widths: [4, 8, 8], blocksPerStage: [1, 1, 1], seed: 4 });
    const x = images(3, 10, 1);
    const [mean0, var0] = stemStatistics(net);
    expect(Array.from(mean0)).toEqual([0, 0, 0, 0]);
    expect(Array.from(var0)).toEqual([1, 1, 1, 1]);

    tf.dispose(net.forward(x).features);
    tf.dispose(net.forward(x, { training: true, updateStatistics: false }).features);
    expect(Array.from(stemStatistics(net)[0])).toEqual([0, 0, 0, 0]);

    const before = tf.memory().numTensors;
    tf.dispose(net.forward(x, { training: true }).features);
    expect(tf.memory().numTensors).toBe(before);
    // Expected: the stem conv output (3x3, pad 1) over all 3*10*10 positions, computed independently.
    const y = tf.conv2d(x, net.parameters.get('conv1.weight') as tf.Tensor4D, 1, 1);
    const yv = y.dataSync();
    const [mean1, var1] = stemStatistics(net);
    for (let c = 0; c < 4; c++) {
      const vals = Array.from(yv).filter((_, i) => i % 4 === c);
      const m = vals.reduce((s, v) => s + v, 0) / vals.length;
      const unbiased = vals.reduce((s, v) => s + (v - m) ** 2, 0) / (vals.length - 1);
      expect(mean1[c]).toBeCloseTo(0.1 * m, 5);
      expect(var1[c]).toBeCloseTo(0.9 + 0.1 * unbiased, 5);
    }
    tf.dispose([x, y]);
    net.dispose();
  });
});

describe('training', () => {
  it('a few SGD steps lower the loss on a tiny fixed batch, without leaking tensors', () => {
    const net = createBackbone('small-resnet', {
      widths: [4, 8, 8],
      blocksPerStage: [1, 1, 1],
      numClasses: 3,
      seed: 11,
    });
    const x = images(12, 12, 1, 21);
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], 'int32'), 3);
    const variables = [...net.parameters.values()];
    const lr = 0.3;
    const losses: number[] = [];
    const counts: number[] = [];
    for (let step = 0; step < 8; step++) {
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const { logits } = net.forward(x, { training: true });
          return tf.losses.softmaxCrossEntropy(labels, logits!) as tf.Scalar;
        }, variables);
        for (const v of variables) v.assign(tf.sub(v, tf.mul(grads[v.name]!, lr)));
        losses.push(value.dataSync()[0]!);
      });
      counts.push(tf.memory().numTensors);
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    // Full-batch gradient descent on a fixed batch: every step must lower the loss.
    losses.slice(1).forEach((l, i) => expect(l).toBeLessThan(losses[i]!));
    expect(losses.at(-1)!).toBeLessThan(0.7 * losses[0]!);
    expect(new Set(counts).size).toBe(1);
    tf.dispose([x, labels]);
    net.dispose();
  });

  it('folded inference matches unfolded inference after training moved the statistics', () => {
    const net = createBackbone('small-resnet', {
      widths: [4, 8, 8],
      blocksPerStage: [1, 1, 1],
      numClasses: 3,
      seed: 12,
    });
    const x = images(6, 12, 1, 3);
    for (let i = 0; i < 3; i++) tf.dispose(Object.values(net.forward(x, { training: true })));
    // The first inference call caches the folded filters (2 tensors per conv, freed by dispose()).
    tf.dispose(Object.values(net.forward(x)));
    const before = tf.memory().numTensors;
    const folded = net.fold();
    const a = net.forward(x);
    const b = folded.forward(x);
    const err = (p: tf.Tensor, q: tf.Tensor): number =>
      tf.tidy(() => tf.max(tf.abs(tf.sub(p, q))).dataSync()[0]! / tf.max(tf.abs(p)).dataSync()[0]!);
    expect(err(a.features, b.features)).toBeLessThan(1e-5);
    expect(err(a.logits!, b.logits!)).toBeLessThan(1e-5);
    tf.dispose([a.features, a.logits!, b.features, b.logits!]);
    folded.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    net.dispose();
  });
});
