/**
 * `npm run bench:delivery`: derivatives by URL against ipx and a static file server, in one
 * interleaved run, every side called by the same HTTP client (bench/http-side.ts) at the same depth.
 *
 * cold:   the service (a child process) with DERIVATIVE_CACHE_MAX_BYTES=0, the result cache off:
 *         every request renders in the pool and nothing is stored.
 * first:  a second service process with room in its cache, every request a URL never asked before:
 *         each renders and is written to the result cache (blob and row) on its way out.
 * warm:   the same process, the same few URLs again and again, each rendered once before the clock
 *         starts: every request is served from the result cache.
 * ipx:    ipx 3.x from its npm package (bench/ipx-server.ts) reading the same photos from disk, the
 *         same transforms (its URL modifiers); it has no result cache.
 * static: sirv (bench/static-server.ts) streaming the bytes the warm side serves: the ceiling for a hit.
 *
 * cold, first and ipx render the same mix of transforms (boxes or widths a little under the nominal
 * size, so that first's URLs can all differ).
 * Workloads: thumbnail (inside 300x300, JPEG q80) and web (1024 wide, WebP q80). ipx is given the
 * service's JPEG encoder settings (bench/ipx-server.ts), and bytes per image are printed beside the
 * speed to show both wrote the same. Server CPU per image is read from /proc.
 *
 * Env: BENCH_SECONDS (4) per round, BENCH_DEPTH (4), BENCH_ROUNDS (2) per side, BENCH_WARMUP_SECONDS (3),
 * BENCH_WORKLOADS (thumbnail,web).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { ImageService, type ImageTransform } from '../gen/image/v1/image_service_pb.js';
import { closedLoop, mean, percentile, warmUp, type RoundResult } from './closed-loop.js';
import { cpuSeconds } from './cpu-time.js';
import { httpGetter, spawnListening } from './http-side.js';
import { startServer, type ServerProcess } from './server-process.js';
import { benchSettings } from './settings.js';
import { BIG_PHOTO } from './workloads.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const photoDir = path.resolve(repoRoot, '../shared/images');

interface DeliveryWorkload {
  name: string;
  summary: string;
  /** The k-th of many distinct transforms of the same kind (k = 0 is the one repeated by warm and static). */
  transform(k: number): Partial<ImageTransform>;
  /** The same as ipx URL modifiers. */
  ipx(k: number): string;
  extension: string;
  /** Distinct transforms there are. */
  variants: number;
  /** A rate this machine's fastest side will not pass, images/s: sizes the list of never-seen URLs. */
  maxRate: number;
}

// Boxes of 241-300 px a side (3,600 of them): every one renders alike, and each names its own derivative.
const box = (k: number) => ({ width: 300 - (k % 60), height: 300 - (Math.floor(k / 60) % 60) });
// Widths of 825-1024 px.
const wide = (k: number) => 1024 - (k % 200);
const WORKLOADS: DeliveryWorkload[] = [
  {
    name: 'thumbnail',
    summary: 'inside 300x300, JPEG q80',
    transform: (k) => ({ ...box(k), format: 'jpeg', quality: 80 }),
    ipx: (k) => `w_${box(k).width},h_${box(k).height},fit_inside,f_jpeg,q_80`,
    extension: 'jpg',
    variants: 3600,
    maxRate: 250,
  },
  {
    name: 'web',
    summary: '1024 wide, WebP q80',
    transform: (k) => ({ width: wide(k), format: 'webp', quality: 80 }),
    ipx: (k) => `w_${wide(k)},f_webp,q_80`,
    extension: 'webp',
    variants: 200,
    maxRate: 80,
  },
];

/** Distinct transforms the rendering sides (cold, ipx) cycle through, per photo. */
const CYCLED_VARIANTS = 20;

const SIDES = ['cold', 'first', 'warm', 'ipx', 'static'] as const;
type Side = (typeof SIDES)[number];

interface Tally {
  rounds: RoundResult[];
  cpuSeconds: number;
  bytes: number;
  images: number;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Every photo uploaded once per server; signed derivative URLs cycle through the photos. */
class Signer {
  private readonly client;
  private readonly ids: string[] = [];

  constructor(server: ServerProcess) {
    this.client = createClient(ImageService, createConnectTransport({ baseUrl: `http://${server.address}`, httpVersion: '1.1' }));
  }

  async upload(photos: string[]): Promise<void> {
    for (const name of photos) this.ids.push((await this.client.uploadImage({ fileData: readFileSync(path.join(photoDir, name)), filename: name })).image!.imageId);
  }

  /** URL i: photo i mod the photos, the transform of its round through them. */
  async urls(workload: DeliveryWorkload, count: number, variant: (i: number) => number): Promise<string[]> {
    const urls: string[] = [];
    for (let i = 0; i < count; i++) {
      const transform = workload.transform(variant(i)) as ImageTransform;
      urls.push((await this.client.getImageUrl({ imageId: this.ids[i % this.ids.length], transform, expiration: { seconds: 86_400n } })).url);
    }
    return urls;
  }
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

async function main(): Promise<void> {
  const settings = benchSettings();
  const photos = readdirSync(photoDir)
    .filter((name) => /\.jpe?g$/i.test(name) && name !== BIG_PHOTO)
    .sort();
  if (photos.length === 0) throw new Error(`no photos in ${photoDir}`);
  const workloads = WORKLOADS.filter((w) => settings.only.length === 0 || settings.only.includes(w.name));
  const log = (line: string) => process.stderr.write(`[server] ${line}\n`);
  const cold = await startServer(repoRoot, log, { DERIVATIVE_CACHE_MAX_BYTES: '0' });
  const warm = await startServer(repoRoot, log, { DERIVATIVE_CACHE_MAX_BYTES: String(4 * 1024 ** 3) });
  const staticDir = await mkdtemp(path.join(os.tmpdir(), 'imgsvc-delivery-static-'));
  const ipxPort = await freePort();
  const staticPort = await freePort();
  const coldSigner = new Signer(cold);
  const warmSigner = new Signer(warm);
  await coldSigner.upload(photos);
  await warmSigner.upload(photos);
  // Every URL first: sirv lists its folder once, when it starts.
  const urlsOf = new Map<DeliveryWorkload, Record<Side, string[]>>();
  // The rendering sides cycle through the same transforms, photo by photo.
  const cycled = (i: number) => Math.floor(i / photos.length) % CYCLED_VARIANTS;
  for (const workload of workloads) {
    const cycle = photos.length * CYCLED_VARIANTS;
    const coldUrls = await coldSigner.urls(workload, cycle, cycled);
    const ipxUrls = Array.from({ length: cycle }, (_, i) => `http://127.0.0.1:${ipxPort}/${workload.ipx(cycled(i))}/${encodeURIComponent(photos[i % photos.length])}`);
    // Never-seen URLs for every request the first side can make; past the cycled ones, so none was rendered.
    const firstCount = Math.min((workload.variants - CYCLED_VARIANTS) * photos.length, Math.ceil(workload.maxRate * (settings.warmupSeconds + settings.rounds * settings.seconds)));
    const firstUrls = await warmSigner.urls(workload, firstCount, (i) => CYCLED_VARIANTS + Math.floor(i / photos.length));
    const warmUrls = await warmSigner.urls(workload, photos.length, () => 0);
    // The warm side's bytes, rendered once: its cache is filled and the static side serves the same.
    const staticUrls: string[] = [];
    for (const [i, url] of warmUrls.entries()) {
      const data = Buffer.from(await (await fetch(url)).arrayBuffer());
      const file = `${workload.name}-${i}.${workload.extension}`;
      await writeFile(path.join(staticDir, file), data);
      staticUrls.push(`http://127.0.0.1:${staticPort}/${file}`);
    }
    urlsOf.set(workload, { cold: coldUrls, first: firstUrls, warm: warmUrls, ipx: ipxUrls, static: staticUrls });
  }
  const ipx = await spawnListening('bench/ipx-server.ts', [photoDir, String(ipxPort)], repoRoot);
  const sirv = await spawnListening('bench/static-server.ts', [staticDir, String(staticPort)], repoRoot);
  const pids: Record<Side, number> = { cold: cold.pid, first: warm.pid, warm: warm.pid, ipx: ipx.pid, static: sirv.pid };
  const client = httpGetter(settings.depth);

  console.log(`delivery bench: ${photos.length} photos, depth ${settings.depth}, ${settings.rounds} rounds of ${settings.seconds} s per side, warm-up ${settings.warmupSeconds} s`);
  try {
    for (const workload of workloads) {
      const urls = urlsOf.get(workload)!;
      const tallies = {} as Record<Side, Tally>;
      for (const side of SIDES) tallies[side] = { rounds: [], cpuSeconds: 0, bytes: 0, images: 0 };
      const next = { index: 0 };
      // The first side takes each of its URLs once, in order: every request is a miss.
      const firstNext = { index: 0 };
      const task = (side: Side) => async (i: number) => {
        if (side === 'first' && firstNext.index >= urls.first.length) throw new Error(`the first side used all ${urls.first.length} never-seen URLs: raise maxRate for ${workload.name}`);
        const url = side === 'first' ? urls.first[firstNext.index++] : urls[side][i % urls[side].length];
        const bytes = await client.get(url);
        tallies[side].bytes += bytes;
        tallies[side].images++;
      };
      for (const side of SIDES) await warmUp(task(side), settings.depth, next, settings.warmupSeconds);
      for (const side of SIDES) Object.assign(tallies[side], { bytes: 0, images: 0 });
      // Interleaved: a shared machine's CPU share drifts, and every side sees the same drift.
      for (let round = 0; round < settings.rounds; round++) {
        for (const side of SIDES) {
          const before = cpuSeconds(pids[side]) ?? NaN;
          tallies[side].rounds.push(await closedLoop(task(side), settings.depth, settings.seconds, next));
          tallies[side].cpuSeconds += (cpuSeconds(pids[side]) ?? NaN) - before;
        }
      }
      console.log(`\n${workload.name}: ${workload.summary}`);
      const rates = {} as Record<Side, number>;
      for (const side of SIDES) {
        const t = tallies[side];
        const latencies = t.rounds.flatMap((r) => r.latenciesMs);
        rates[side] = mean(t.rounds.map((r) => r.imagesPerSecond));
        const started = t.rounds.reduce((sum, r) => sum + r.started, 0);
        console.log(
          `  ${side.padEnd(6)} ${fmt(rates[side]).padStart(8)} images/s   p50 ${fmt(percentile(latencies, 50))} ms   p99 ${fmt(percentile(latencies, 99))} ms   ` +
            `server CPU ${fmt((t.cpuSeconds * 1000) / started, 2)} ms/image   ${fmt(t.bytes / Math.max(1, t.images) / 1024)} KiB/image`,
        );
      }
      console.log(`  ${workload.name} cold/ipx ratio ${fmt(rates.cold / rates.ipx, 2)}`);
      console.log(`  ${workload.name} first/ipx ratio ${fmt(rates.first / rates.ipx, 2)}`);
      console.log(`  ${workload.name} warm/static ratio ${fmt(rates.warm / rates.static, 2)}`);
      console.log(`  ${workload.name} warm/cold ratio ${fmt(rates.warm / rates.cold, 2)}`);
    }
  } finally {
    client.close();
    ipx.kill('SIGTERM');
    sirv.kill('SIGTERM');
    await Promise.all([cold.stop(), warm.stop()]);
    await rm(staticDir, { recursive: true, force: true });
  }
}

await main();
