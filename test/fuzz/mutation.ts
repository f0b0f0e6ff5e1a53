import { intBetween, type Random } from '../../src/generation/procedural/seeded-random.js';

export type { Random };
export { intBetween };

/** One change to an image's bytes, and what it did in words (the corpus keeps that as the recipe). */
export interface Mutated {
  data: Buffer;
  what: string;
}

/**
 * A way of damaging one format's files. `apply` answers undefined when the bytes lack the structure it
 * needs (an earlier mutation may have removed it), so the caller can fall back to a byte-level one.
 */
export interface Mutation {
  name: string;
  apply(data: Buffer, random: Random): Mutated | undefined;
}

export function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

/** A size a decoder should refuse or survive: zero, one, the field's limits, and just past the pixel limits. */
export function absurdSize(random: Random, bits: 16 | 24 | 32): number {
  const max = bits === 32 ? 0xffffffff : 2 ** bits - 1;
  return pick(random, [0, 1, 2, max, max - 1, 2 ** (bits - 1), 2 ** (bits - 1) - 1, Math.min(max, 10_000), Math.min(max, 30_000), Math.min(max, 65_535), intBetween(random, 0, max)]);
}

/** `data` with `count` random bits flipped in [from, to). */
export function flipBits(data: Buffer, random: Random, from = 0, to = data.length): Buffer {
  const out = Buffer.from(data);
  const count = intBetween(random, 1, 8);
  for (let i = 0; i < count && to > from; i++) {
    const at = intBetween(random, from, to - 1);
    out[at] ^= 1 << intBetween(random, 0, 7);
  }
  return out;
}

/** Moves one part of a file (a chunk, segment, box or block) to another place; answers what it did. */
export function reorderParts<T>(random: Random, parts: T[], label: (part: T) => string): string | undefined {
  if (parts.length < 2) return undefined;
  const from = intBetween(random, 0, parts.length - 1);
  const [part] = parts.splice(from, 1);
  const to = intBetween(random, 0, parts.length);
  parts.splice(to, 0, part);
  return `move ${label(part)} from ${from} to ${to}`;
}

/** Drops one part, or repeats it a few, many or very many times; answers what it did. */
export function dropOrRepeatPart<T>(random: Random, parts: T[], bytes: (part: T) => number, label: (part: T) => string): string | undefined {
  if (parts.length === 0) return undefined;
  const at = intBetween(random, 0, parts.length - 1);
  const part = parts[at];
  if (random() < 0.5) {
    parts.splice(at, 1);
    return `drop ${label(part)} at ${at}`;
  }
  const times = repeatCount(random, bytes(part));
  parts.splice(at, 0, ...Array.from({ length: times }, () => part));
  return `repeat ${label(part)} at ${at} ${times} more times`;
}

/** Mutated files stay under this, far below the message limit: hostile, not merely big. */
const MAX_CASE_BYTES = 2 * 1024 * 1024;

/** How many extra copies of a `unitBytes` piece to add: few, many or very many, within MAX_CASE_BYTES. */
export function repeatCount(random: Random, unitBytes: number): number {
  return Math.max(1, Math.min(pick(random, [1, 2, 100, 5000]), Math.floor(MAX_CASE_BYTES / Math.max(1, unitBytes))));
}
