/**
 * `npm run bench:palette`: palette quality and speed of this service's extractor against node-vibrant,
 * colorthief and image-q's Wu quantizer, in the same run on the same pixels.
 *
 * Every photo in ../shared/images is decoded once (sharp: orientation applied, sRGB, resized to fit
 * 400 px on the long side, as the service's worker does) into RGBA. Each extractor then gets those
 * bytes: decoding is excluded from every extractor's time alike. Quality is the reconstruction error:
 * the mean CIEDE2000 from every pixel to its nearest palette colour. Time is per image, the median of
 * up to BENCH_PALETTE_RUNS (3) runs, after one warm-up run per extractor; the extractors take turns
 * on each photo, and times are also given relative to colorthief's in the same run, which this
 * machine's changing load leaves more stable than milliseconds.
 *
 * Env: BENCH_PALETTE_K ("5,8"), BENCH_PALETTE_RUNS (3), BENCH_PALETTE_VERBOSE=1 prints every photo.
 * The bar (from the issue): at most 5.0 at k=5 and 4.0 at k=8, in at most 15 ms per image.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { PALETTE_MAX_SIDE } from '../src/color/extract-palettes.js';
import { EXTRACTORS, type Extractor } from './palette-extractors.js';
import { ReconstructionError, type Rgb } from './palette-error.js';
import { loadPhotos, type BenchPhoto } from './palette-photos.js';

const BAR = { errors: new Map([[5, 5.0], [8, 4.0]]), msPerImage: 15 };

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const photoDir = path.resolve(repoRoot, '../shared/images');

interface Row {
  extractor: string;
  k: number | undefined;
  errors: number[];
  ms: number[];
  sizes: number[];
}

function listFromEnv(name: string, fallback: string): number[] {
  const raw = process.env[name] || fallback;
  const values = raw.split(',').map((s) => Number(s.trim()));
  if (values.some((v) => !Number.isInteger(v) || v < 1 || v > 16)) throw new Error(`${name}: expected integers from 1 to 16, comma-separated, received ${JSON.stringify(raw)}`);
  return values;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

async function timed(extractor: Extractor, photo: BenchPhoto, k: number, runs: number): Promise<{ palette: Rgb[]; ms: number }> {
  const times: number[] = [];
  let palette: Rgb[] = [];
  let spent = 0;
  // Slow extractors get fewer runs: one run of more than 300 ms is measurement enough.
  while (times.length < runs && (times.length === 0 || spent < 300)) {
    const t0 = performance.now();
    palette = await extractor.run(photo, k);
    const t = performance.now() - t0;
    times.push(t);
    spent += t;
  }
  return { palette, ms: median(times) };
}

async function main(): Promise<void> {
  if (!existsSync(photoDir)) {
    console.log(`[skip] ${photoDir} is absent: no photos to measure on`);
    return;
  }
  const ks = listFromEnv('BENCH_PALETTE_K', '5,8');
  const runs = Number(process.env.BENCH_PALETTE_RUNS || 3);
  if (!Number.isInteger(runs) || runs < 1 || runs > 50) throw new Error(`BENCH_PALETTE_RUNS: expected an integer from 1 to 50, received ${JSON.stringify(process.env.BENCH_PALETTE_RUNS)}`);
  const verbose = process.env.BENCH_PALETTE_VERBOSE === '1';
  const photos = await loadPhotos(photoDir, PALETTE_MAX_SIDE);
  const measures = photos.map((p) => new ReconstructionError(p));
  console.log(`palette extraction: ${photos.length} photos from ${path.relative(process.cwd(), photoDir)}, ${PALETTE_MAX_SIDE} px long side, pre-decoded RGBA (decoding excluded for every extractor)`);
  console.log(`node ${process.version}, time = median of up to ${runs} runs per image after a warm-up, same process, one thread\n`);

  // Extractors take turns on each photo, so a change in the machine's load touches all of them alike.
  const rows: Row[] = [];
  for (const extractor of EXTRACTORS) await extractor.run(photos[0], ks[0]);
  for (const [ki, k] of ks.entries()) {
    const active = EXTRACTORS.filter((e) => e.takesK || ki === 0);
    const batch = active.map((e): Row => ({ extractor: e.name, k: e.takesK ? k : undefined, errors: [], ms: [], sizes: [] }));
    for (let i = 0; i < photos.length; i++) {
      for (const [e, extractor] of active.entries()) {
        const { palette, ms } = await timed(extractor, photos[i], k, runs);
        const row = batch[e];
        row.errors.push(measures[i].meanDeltaE(palette));
        row.ms.push(ms);
        row.sizes.push(palette.length);
        if (verbose) console.log(`  ${extractor.name.padEnd(26)} k=${String(row.k ?? '-').padEnd(3)} ${photos[i].name.padEnd(26)} ${row.errors[i].toFixed(2).padStart(6)} ${ms.toFixed(1).padStart(8)} ms  ${palette.length} colours`);
      }
    }
    rows.push(...batch);
  }

  const reference = (k: number | undefined) => rows.find((r) => r.extractor === 'colorthief' && r.k === k);
  console.log(`${'extractor'.padEnd(26)} ${'k'.padStart(2)}  ${'colours'.padStart(7)}  ${'mean ΔE00'.padStart(9)}  ${'ms/image'.padStart(8)}  ${'x colorthief time'.padStart(17)}`);
  for (const r of rows) {
    const sizes = Math.min(...r.sizes) === Math.max(...r.sizes) ? String(r.sizes[0]) : `${Math.min(...r.sizes)}-${Math.max(...r.sizes)}`;
    const ref = reference(r.k);
    const ratio = ref ? (mean(r.ms) / mean(ref.ms)).toFixed(2) : '';
    console.log(`${r.extractor.padEnd(26)} ${String(r.k ?? '-').padStart(2)}  ${sizes.padStart(7)}  ${mean(r.errors).toFixed(2).padStart(9)}  ${mean(r.ms).toFixed(1).padStart(8)}  ${ratio.padStart(17)}`);
  }

  console.log('\nthe bar: mean ΔE00 <= 5.0 at k=5 and <= 4.0 at k=8, <= 15 ms per image');
  let pass = true;
  for (const r of rows.filter((row) => row.extractor === EXTRACTORS[0].name && row.k !== undefined && BAR.errors.has(row.k))) {
    const limit = BAR.errors.get(r.k!)!;
    const e = mean(r.errors);
    const ms = mean(r.ms);
    const ok = e <= limit && ms <= BAR.msPerImage;
    pass &&= ok;
    const ref = reference(r.k);
    const relative = ref ? `, ${(ms / mean(ref.ms)).toFixed(2)}x colorthief's time` : '';
    console.log(`  k=${r.k}: ${e.toFixed(2)} (<= ${limit.toFixed(1)}) in ${ms.toFixed(1)} ms (<= ${BAR.msPerImage}${relative}): ${ok ? 'met' : 'NOT met'}`);
  }
  if (!pass) process.exitCode = 1;
}

await main();
