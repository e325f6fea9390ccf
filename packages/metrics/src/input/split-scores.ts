import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { ShapeMismatchError } from '../errors/shape-mismatch-error';
import { checkFinite } from './check-finite';
import type { ScoreArguments, Scores } from './score-types';

function isScores(value: unknown): value is Scores {
  return value instanceof Float32Array || value instanceof Float64Array || Array.isArray(value);
}

/** A typed copy that keeps Float32 input in Float32 (sorting in place must not touch the caller's array). */
function typedCopy(values: Scores): Float32Array | Float64Array {
  return values instanceof Float32Array ? Float32Array.from(values) : Float64Array.from(values);
}

/**
 * Normalises the two accepted call shapes into unsorted typed copies of the ID and OOD scores,
 * checking that every score is finite and that lengths agree.
 */
export function splitScores(op: string, args: ScoreArguments): { id: Float32Array | Float64Array; ood: Float32Array | Float64Array } {
  if (args.length === 2) {
    const [id, ood] = args;
    if (!isScores(id) || !isScores(ood)) {
      throw new InvalidArgumentError(
        `${op}: expected (idScores, oodScores) as Float32Array, Float64Array or number[], got (${describe(id)}, ${describe(ood)}).`,
      );
    }
    checkFinite(op, 'id', id);
    checkFinite(op, 'ood', ood);
    return { id: typedCopy(id), ood: typedCopy(ood) };
  }
  const labelled = args[0];
  if (labelled === null || typeof labelled !== 'object' || !isScores(labelled.scores) || labelled.isOod === undefined) {
    throw new InvalidArgumentError(
      `${op}: expected (idScores, oodScores) or ({ scores, isOod }), got (${describe(labelled)}).`,
    );
  }
  const { scores, isOod } = labelled;
  if (scores.length !== isOod.length) {
    throw new ShapeMismatchError(
      `${op}: scores and isOod must have the same length, got ${scores.length} scores and ${isOod.length} isOod flags.`,
    );
  }
  checkFinite(op, 'scores', scores);
  let numOod = 0;
  for (let i = 0; i < isOod.length; i++) if (isOod[i]) numOod++;
  const Typed = scores instanceof Float32Array ? Float32Array : Float64Array;
  const id = new Typed(scores.length - numOod);
  const ood = new Typed(numOod);
  for (let i = 0, a = 0, b = 0; i < scores.length; i++) {
    if (isOod[i]) ood[b++] = scores[i] as number;
    else id[a++] = scores[i] as number;
  }
  return { id, ood };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `number[${value.length}]`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}`;
  return typeof value;
}
