import { createHash } from 'node:crypto';

/** A uniform [0, 1) source that is the same on every machine for the same key. */
export type Random = () => number;

/**
 * sfc32 seeded from sha256 of the key parts: tiny, fast, and good enough for placing shapes. The parts
 * name the purpose ("composition", "colour") so independent streams stay independent.
 */
export function seededRandom(...parts: (string | number)[]): Random {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  let a = digest.readUInt32LE(0);
  let b = digest.readUInt32LE(4);
  let c = digest.readUInt32LE(8);
  let d = digest.readUInt32LE(12);
  const next: Random = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

export const between = (random: Random, min: number, max: number): number => min + random() * (max - min);

export const intBetween = (random: Random, min: number, max: number): number => Math.floor(between(random, min, max + 1));
