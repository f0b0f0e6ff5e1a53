import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { readFileSync, existsSync } from 'node:fs';
import sharp from 'sharp';
import { WorkerPool } from '../src/imaging/worker-pool.js';

/**
 * Palette recolouring and analysis of a 12 MP photo through the worker pool, against the same pool
 * decoding and re-encoding the photo with no step (what any processing of it costs at least), measured
 * in the same run. `npx tsx bench/recolor.bench.ts [photo] [runs]`.
 */
const photo = process.argv[2] ?? path.resolve(import.meta.dirname, '../../shared/images/elephants-5640x3172.jpg');
const runs = Number(process.argv[3] ?? 5);
if (!existsSync(photo)) {
  console.error(`[skip] ${photo} is absent`);
  process.exit(0);
}
// 4240 x 2832 = 12.0 MP, JPEG quality 90.
const input = await sharp(readFileSync(photo)).resize(4240, 2832, { fit: 'fill' }).jpeg({ quality: 90 }).toBuffer();
const pool = new WorkerPool({ threads: 1, maxConcurrentOperations: 1, maxQueue: 4, operationTimeoutMs: 120_000, maxInputPixels: 100_000_000, maxOutputDimension: 16_384 });
const colors = ['#0b3c5d', '#328cc1', '#d9b310', '#f25c54', '#fde2a7'];

async function median(label: string, task: () => Promise<unknown>): Promise<number> {
  await task(); // warm the worker
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await task();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const m = times[Math.floor(times.length / 2)];
  console.log(`${label.padEnd(44)} median ${m.toFixed(0).padStart(5)} ms  (min ${times[0].toFixed(0)}, max ${times[times.length - 1].toFixed(0)})`);
  return m;
}

console.log(`12 MP JPEG (${(input.length / 1e6).toFixed(1)} MB), ${runs} runs each, one worker thread`);
const base = await median('decode + encode jpeg, no step', () => pool.run(input, { steps: [], output: { format: 'jpeg' } }));
const recolor = await median('decode + recolor (5 colours) + encode jpeg', () => pool.run(input, { steps: [{ op: 'recolor', colors, strength: 1 }], output: { format: 'jpeg' } }));
await median('analyzeImage, all five analyses', () => pool.compute(input, 'analyzeImage', { kinds: ['colors', 'composition', 'quality', 'metadata', 'hashes'] }));
console.log(`recolouring adds ${(recolor - base).toFixed(0)} ms (${(recolor / base).toFixed(2)}x the plain re-encode)`);
await pool.close();
