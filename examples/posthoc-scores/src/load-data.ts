import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseNpy } from './npy';

/** One split: features `[n, d]` and/or logits `[n, C]`, row-major float32; labels for train. */
export interface Split {
  readonly rows: number;
  readonly features?: { data: Float32Array; shape: [number, number] };
  readonly logits?: { data: Float32Array; shape: [number, number] };
  readonly labels?: Int32Array;
}

/** Everything the example scores: train (fit), test ID and test OOD, plus the optional final layer. */
export interface PosthocData {
  readonly train: Split;
  readonly testId: Split;
  readonly testOod: Split;
  /** Final linear layer `logits = features @ weight + bias`: weight `[d, C]`, bias `[C]`. */
  readonly linear?: { weight: { data: Float32Array; shape: [number, number] }; bias: Float32Array };
}

type Nested = readonly (readonly number[])[];

function matrixFromRows(rows: unknown, what: string): { data: Float32Array; shape: [number, number] } {
  if (!Array.isArray(rows) || rows.length === 0 || !Array.isArray(rows[0])) {
    throw new Error(`${what}: expected a non-empty array of rows (numbers), e.g. [[0.1, 0.2], [0.3, 0.4]].`);
  }
  const width = (rows[0] as unknown[]).length;
  const data = new Float32Array(rows.length * width);
  (rows as Nested).forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== width) throw new Error(`${what}: row ${i} has ${Array.isArray(row) ? row.length : 'no'} values, expected ${width}.`);
    row.forEach((v, j) => {
      if (typeof v !== 'number') throw new Error(`${what}[${i}][${j}] is not a number.`);
      data[i * width + j] = v;
    });
  });
  return { data, shape: [rows.length, width] };
}

function checkRows(split: Split, what: string): Split {
  const counts = [split.features?.shape[0], split.logits?.shape[0], split.labels?.length].filter((v): v is number => v !== undefined);
  if (counts.length === 0) throw new Error(`${what}: needs "features" and/or "logits".`);
  if (counts.some((c) => c !== counts[0])) throw new Error(`${what}: features, logits and labels disagree in rows: ${counts.join(' vs ')}.`);
  return split;
}

function splitFromJson(value: unknown, what: string, needsLabels: boolean): Split {
  if (typeof value !== 'object' || value === null) throw new Error(`${what}: missing (an object with features/logits${needsLabels ? '/labels' : ''}).`);
  const record = value as Record<string, unknown>;
  const features = record.features === undefined ? undefined : matrixFromRows(record.features, `${what}.features`);
  const logits = record.logits === undefined ? undefined : matrixFromRows(record.logits, `${what}.logits`);
  let labels: Int32Array | undefined;
  if (record.labels !== undefined) {
    if (!Array.isArray(record.labels) || record.labels.some((l) => !Number.isInteger(l))) throw new Error(`${what}.labels: expected an array of integers.`);
    labels = Int32Array.from(record.labels as number[]);
  } else if (needsLabels) {
    throw new Error(`${what}.labels: missing; the training split needs class labels 0..C-1.`);
  }
  const rows = features?.shape[0] ?? logits?.shape[0] ?? 0;
  return checkRows({ rows, ...(features && { features }), ...(logits && { logits }), ...(labels && { labels }) }, what);
}

/** Parses the JSON layout documented in the README. */
export function parseJsonData(text: string, source = 'data.json'): PosthocData {
  const json = JSON.parse(text) as Record<string, unknown>;
  const train = splitFromJson(json.train, `${source}: train`, true);
  const testId = splitFromJson(json.testId, `${source}: testId`, false);
  const testOod = splitFromJson(json.testOod, `${source}: testOod`, false);
  let linear: PosthocData['linear'];
  if (json.linear !== undefined) {
    const l = json.linear as Record<string, unknown>;
    const weight = matrixFromRows(l.weight, `${source}: linear.weight`);
    if (!Array.isArray(l.bias) || l.bias.length !== weight.shape[1]) throw new Error(`${source}: linear.bias must have ${weight.shape[1]} numbers (the columns of weight [d, C]).`);
    linear = { weight, bias: Float32Array.from(l.bias as number[]) };
  }
  return { train, testId, testOod, ...(linear && { linear }) };
}

function readNpyMatrix(dir: string, file: string): { data: Float32Array; shape: [number, number] } | undefined {
  const path = join(dir, file);
  if (!existsSync(path)) return undefined;
  const array = parseNpy(readFileSync(path), path);
  if (array.shape.length !== 2) throw new Error(`${path}: expected a 2-D array, got shape [${array.shape.join(', ')}].`);
  return { data: Float32Array.from(array.data), shape: [array.shape[0] ?? 0, array.shape[1] ?? 0] };
}

function npySplit(dir: string, prefix: string, needsLabels: boolean): Split {
  const features = readNpyMatrix(dir, `${prefix}_features.npy`);
  const logits = readNpyMatrix(dir, `${prefix}_logits.npy`);
  const labelsPath = join(dir, `${prefix}_labels.npy`);
  let labels: Int32Array | undefined;
  if (existsSync(labelsPath)) labels = Int32Array.from(parseNpy(readFileSync(labelsPath), labelsPath).data);
  else if (needsLabels) throw new Error(`${labelsPath}: missing; the training split needs class labels.`);
  const rows = features?.shape[0] ?? logits?.shape[0] ?? 0;
  return checkRows({ rows, ...(features && { features }), ...(logits && { logits }), ...(labels && { labels }) }, `${dir}/${prefix}_*`);
}

/** Reads the .npy directory layout documented in the README. */
export function readNpyDirectory(dir: string): PosthocData {
  const weight = readNpyMatrix(dir, 'linear_weight.npy');
  const biasPath = join(dir, 'linear_bias.npy');
  const linear = weight && existsSync(biasPath) ? { weight, bias: Float32Array.from(parseNpy(readFileSync(biasPath), biasPath).data) } : undefined;
  return {
    train: npySplit(dir, 'train', true),
    testId: npySplit(dir, 'test_id', false),
    testOod: npySplit(dir, 'test_ood', false),
    ...(linear && { linear }),
  };
}

/** Loads a `.json` file or a directory of `.npy` files. */
export function loadPosthocData(path: string): PosthocData {
  if (statSync(path).isDirectory()) return readNpyDirectory(path);
  return parseJsonData(readFileSync(path, 'utf8'), path);
}
