import { seededRandom } from '../../src/generation/procedural/seeded-random.js';
import { avifMutations } from './avif-mutations.js';
import { byteMutations } from './byte-mutations.js';
import { gifMutations } from './gif-mutations.js';
import { jpegMutations } from './jpeg-mutations.js';
import { pick, type Mutation } from './mutation.js';
import { pngMutations } from './png-mutations.js';
import { FUZZ_FORMATS, type FuzzFormat, type SeedImage } from './seed-images.js';
import { svgMutations } from './svg-mutations.js';
import { tiffMutations } from './tiff-mutations.js';
import { webpMutations } from './webp-mutations.js';

const STRUCTURAL: Record<FuzzFormat, Mutation[]> = {
  jpeg: jpegMutations,
  png: pngMutations,
  webp: webpMutations,
  gif: gifMutations,
  tiff: tiffMutations,
  avif: avifMutations,
  svg: svgMutations,
};

/** Output formats ProcessForExport is asked for, one per case. */
const EXPORT_FORMATS = ['jpeg', 'png', 'webp', 'avif', 'gif', 'tiff', 'svg'] as const;

export interface FuzzCase {
  /** "seed:index": with the same seed images, the same id always makes the same bytes. */
  id: string;
  format: FuzzFormat;
  /** The seed image and each mutation, in words. */
  recipe: string;
  data: Buffer;
  exportFormat: string;
}

/**
 * Case `index` of the campaign `seed`: a seed image of the case's format, then one to three mutations,
 * structural ones (the format's own fields, rewritten consistently) more often than byte-level ones.
 * A pure function of (seed, index, seeds), so a failing case is replayed from its numbers alone.
 */
export function fuzzCase(seeds: readonly SeedImage[], seed: number, index: number): FuzzCase {
  const random = seededRandom('fuzz', seed, index);
  const format = FUZZ_FORMATS[index % FUZZ_FORMATS.length];
  const start = pick(random, seeds.filter((s) => s.format === format));
  let data = start.data;
  const steps = [start.name];
  const count = pick(random, [1, 1, 1, 2, 2, 3]);
  for (let i = 0; i < count && data.length > 0; i++) {
    const structural = random() < 0.75;
    const mutated = (structural && pick(random, STRUCTURAL[format]).apply(data, random)) || pick(random, byteMutations).apply(data, random);
    if (!mutated) continue;
    data = mutated.data;
    steps.push(mutated.what);
  }
  return { id: `${seed}:${index}`, format, recipe: steps.join(' → '), data, exportFormat: pick(random, EXPORT_FORMATS) };
}
