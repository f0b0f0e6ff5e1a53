/**
 * `npm run bench`: the service against raw sharp, measured in the same run on the same photos.
 *
 * raw:     sharp in this process on the main thread, BENCH_DEPTH images in flight (sharp's defaults).
 * service: the real server as a child process, called over loopback by @grpc/grpc-js at the same depth,
 *          ProcessingService.GenerateVariations with one VariationConfig per request.
 * batch:   the thumbnail workload again, through ProcessingService.ProcessBatch: one bidirectional
 *          stream carrying BENCH_DEPTH items at a time, against raw sharp measured again beside it.
 * The sides alternate (raw, service, raw, service) because a shared machine's CPU share drifts; CPU time per
 * image (both processes, all threads) is reported too, as it hardly moves with the share. Then
 * BENCH_BIG_REQUESTS (32) concurrent `big` requests measure the server's peak memory.
 *
 * Each side is warmed up first (BENCH_WARMUP_SECONDS, 3, of closed loop per side per workload; see warmUp).
 *
 * Env: BENCH_SECONDS (4) per round, BENCH_DEPTH (4), BENCH_ROUNDS (2) per side, BENCH_BIG_REQUESTS (32),
 * BENCH_WORKLOADS (e.g. "thumbnail,batch,big"; default all), BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof").
 * Server settings such as WORKER_THREADS or MAX_CONCURRENT_OPERATIONS pass through to the child.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { create, toBinary } from '@bufbuild/protobuf';
import sharp from 'sharp';
import {
  ProcessingServiceGenerateVariationsRequestSchema as RequestSchema,
  ProcessingServiceGenerateVariationsResponseSchema as ResponseSchema,
} from '../gen/image/v1/processing_service_pb.js';
import { BatchStream } from './batch-stream.js';
import { cpuSeconds } from './cpu-time.js';
import { closedLoop, mean, percentile, warmUp, type RoundResult } from './closed-loop.js';
import { describeGrpcError, GrpcChannel } from './grpc-channel.js';
import { mib, PeakRss } from './peak-rss.js';
import { startServer, type ServerProcess } from './server-process.js';
import { benchSettings, type BenchSettings } from './settings.js';
import { BIG_PHOTO, WORKLOADS, type Workload } from './workloads.js';

const GENERATE_VARIATIONS = '/image.v1.ProcessingService/GenerateVariations';
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const photoDir = path.resolve(repoRoot, '../shared/images');

// A full collection before each round, so one side's garbage is not counted in the other's peak memory.
v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface SideResult {
  rounds: RoundResult[];
  peakRss: number | undefined;
  /** CPU seconds over the measured rounds (warm-up excluded): this process, and the server's. */
  cpu: { self: number; server: number; images: number };
  /** Why the side has no numbers. */
  unavailable?: string;
}

interface WorkloadResult {
  workload: Workload;
  photoCount: number;
  raw: SideResult;
  service: SideResult;
  /** Whether both sides produced the same bytes for the first photo (the options match). */
  sameOutput: string;
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const rate = (side: SideResult) => (side.unavailable ? NaN : mean(side.rounds.map((r) => r.imagesPerSecond)));
const latencies = (side: SideResult) => side.rounds.flatMap((r) => r.latenciesMs);

/** A Buffer over the encoded request (grpc-js frames it with Buffer methods), made before the clock starts. */
function encodeRequest(imageData: Buffer, workload: Workload): Buffer {
  const bytes = toBinary(RequestSchema, create(RequestSchema, { imageData, variationConfigs: [workload.config] }));
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function readPhotos(): Map<string, Buffer> {
  const names = readdirSync(photoDir)
    .filter((name) => /\.(jpe?g|png)$/i.test(name))
    .sort();
  return new Map(names.map((name) => [name, readFileSync(path.join(photoDir, name))]));
}

/** How the service side is called: given the workload's photos, a call per image index. */
type ServiceRoute = (inputs: Buffer[], workload: Workload) => (i: number) => Promise<Uint8Array>;

/** One GenerateVariations call per image, each its own HTTP/2 stream. */
const perRequest =
  (channel: GrpcChannel): ServiceRoute =>
  (inputs, workload) => {
    // Serialised once here: the client's protobuf work is not part of what is measured.
    const requests = inputs.map((imageData) => encodeRequest(imageData, workload));
    return async (i) => {
      const messages = await channel.serverStream(GENERATE_VARIATIONS, requests[i % requests.length], ResponseSchema);
      const data = messages[0]?.image?.data;
      if (messages.length !== 1 || !data?.byteLength) throw new Error(`expected one variation with image bytes, received ${messages.length} messages`);
      return data;
    };
  };

/** Every image an item of one ProcessBatch stream (see batch-stream.ts). */
const overOneStream =
  (batch: BatchStream): ServiceRoute =>
  (inputs, workload) => {
    const items = BatchStream.encodeItems(inputs, workload.config);
    return (i) => batch.process(items[i % items.length]);
  };

async function runWorkload(
  workload: Workload,
  photos: Map<string, Buffer>,
  route: ServiceRoute,
  server: ServerProcess,
  settings: BenchSettings,
): Promise<WorkloadResult> {
  const inputs = workload.photos([...photos.keys()]).map((name) => photos.get(name)!);
  if (inputs.length === 0) throw new Error(`${workload.name}: none of its photos is in ${photoDir}`);
  const rawTask = (i: number) => workload.raw(inputs[i % inputs.length]);
  const serviceCall = route(inputs, workload);

  const raw: SideResult = { rounds: [], peakRss: undefined, cpu: { self: 0, server: 0, images: 0 } };
  const service: SideResult = { rounds: [], peakRss: undefined, cpu: { self: 0, server: 0, images: 0 } };
  const selfRss = new PeakRss('self');
  const serverRss = new PeakRss(server.pid);

  // One call first: the service may not offer this workload yet, and both sides should agree on the bytes.
  let sameOutput = 'n/a';
  const rawFirst = await rawTask(0);
  try {
    const serviceFirst = await serviceCall(0);
    sameOutput = Buffer.from(serviceFirst).equals(rawFirst)
      ? 'same bytes from both sides'
      : `WARNING: outputs differ (raw ${rawFirst.byteLength} B, service ${serviceFirst.byteLength} B): bench/workloads.ts no longer mirrors the service's pipeline`;
  } catch (error) {
    service.unavailable = describeGrpcError(error);
  }

  const rawNext = { index: 1 };
  const serviceNext = { index: 1 };
  await warmUp(rawTask, settings.depth, rawNext, settings.warmupSeconds);
  if (!service.unavailable) {
    await warmUp(serviceCall, settings.depth, serviceNext, settings.warmupSeconds).catch((e) => (service.unavailable = describeGrpcError(e)));
  }

  const maxPeak = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.max(a, b));
  /** One measured round of one side: its peak memory (of `rss`) and the CPU time of both processes. */
  const measure = async (side: SideResult, rss: PeakRss, task: (i: number) => Promise<unknown>, next: { index: number }) => {
    gc();
    rss.reset();
    const self0 = cpuSeconds('self')!;
    const server0 = cpuSeconds(server.pid) ?? 0;
    const round = await closedLoop(task, settings.depth, settings.seconds, next);
    side.cpu.self += cpuSeconds('self')! - self0;
    side.cpu.server += (cpuSeconds(server.pid) ?? 0) - server0;
    side.cpu.images += round.started;
    side.rounds.push(round);
    side.peakRss = maxPeak(side.peakRss, rss.peakBytes());
  };
  for (let round = 0; round < settings.rounds; round++) {
    await measure(raw, selfRss, rawTask, rawNext);
    if (service.unavailable) continue;
    try {
      await measure(service, serverRss, serviceCall, serviceNext);
    } catch (error) {
      service.unavailable = describeGrpcError(error);
    }
  }
  return { workload, photoCount: inputs.length, raw, service, sameOutput };
}

const cpuMs = (side: SideResult) => (side.cpu.images > 0 ? ((side.cpu.self + side.cpu.server) * 1000) / side.cpu.images : NaN);

function printWorkload(r: WorkloadResult, depth: number): void {
  const side = (label: string, s: SideResult, whose: string) => {
    if (s.unavailable) return `  ${label.padEnd(8)} unavailable (${s.unavailable})`;
    const l = latencies(s);
    const rounds = s.rounds.map((x) => fmt(x.imagesPerSecond)).join(', ');
    return (
      `  ${label.padEnd(8)} ${fmt(rate(s)).padStart(7)} images/s  (rounds ${rounds})  ` +
      `p50 ${fmt(percentile(l, 50), 0)} ms  p99 ${fmt(percentile(l, 99), 0)} ms  (n=${l.length})  peak RSS ${mib(s.peakRss)} (${whose})`
    );
  };
  const photos = r.photoCount === 1 ? '' : ` (${r.photoCount} photos, cycled)`;
  console.log(`\n${r.workload.name}: ${r.workload.summary}${photos}; depth ${depth}; first photo: ${r.sameOutput}`);
  console.log(side('raw', r.raw, 'bench process'));
  console.log(side('service', r.service, 'server process'));
  const { raw, service } = r;
  if (service.unavailable) return;
  const ms = (seconds: number) => fmt((seconds * 1000) / service.cpu.images, 1);
  console.log(
    `  CPU per image (all threads): raw ${fmt(cpuMs(raw))} ms; service ${fmt(cpuMs(service))} ms ` +
      `= server ${ms(service.cpu.server)} + grpc-js client ${ms(service.cpu.self)}`,
  );
  console.log(`  service/raw: ${fmt(rate(service) / rate(raw), 2)} in images/s, ${fmt(cpuMs(raw) / cpuMs(service), 2)} in CPU per image`);
}

/** The one line per workload that scripts read: `<workload> ratio <service/raw images per second>`. */
function ratioLine(r: WorkloadResult): string {
  if (r.service.unavailable) return `${r.workload.name} ratio n/a (service: unavailable (${r.service.unavailable}))`;
  return (
    `${r.workload.name} ratio ${fmt(rate(r.service) / rate(r.raw), 2)}   ` +
    `(images/s raw ${fmt(rate(r.raw))}, service ${fmt(rate(r.service))}; CPU ms per image raw ${fmt(cpuMs(r.raw))}, service ${fmt(cpuMs(r.service))})`
  );
}

/** Many large requests at once: what the server's memory does when callers pile up. */
async function memoryPhase(count: number, photos: Map<string, Buffer>, channel: GrpcChannel, server: ServerProcess): Promise<void> {
  const big = WORKLOADS.find((w) => w.name === 'big')!;
  const photo = photos.get(BIG_PHOTO);
  if (count === 0 || !photo) return;
  const request = encodeRequest(photo, big);
  const serverRss = new PeakRss(server.pid);
  gc();
  const before = serverRss.currentBytes();
  serverRss.reset();
  const started = performance.now();
  const outcomes = await Promise.all(
    Array.from({ length: count }, async () => {
      const t = performance.now();
      try {
        await channel.serverStream(GENERATE_VARIATIONS, request, ResponseSchema);
        return { ms: performance.now() - t };
      } catch (error) {
        return { ms: performance.now() - t, error: describeGrpcError(error) };
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const peak = serverRss.peakBytes();
  const ok = outcomes.filter((o) => !o.error);
  const errors = new Map<string, number>();
  for (const o of outcomes) if (o.error) errors.set(o.error, (errors.get(o.error) ?? 0) + 1);
  const ms = ok.map((o) => o.ms);
  console.log(`\nmemory: ${count} concurrent big requests (${mib(photo.byteLength)} each) against the service`);
  console.log(`  ${ok.length}/${count} ok in ${fmt(seconds)} s (${fmt(ok.length / seconds, 2)} images/s); latency p50 ${fmt(percentile(ms, 50), 0)} ms, max ${fmt(Math.max(...ms), 0)} ms`);
  for (const [message, n] of errors) console.log(`  ${n} failed: ${message}`);
  const verdict = peak === undefined ? 'unknown' : peak < 1024 ** 3 ? 'under the 1 GiB bar' : 'OVER the 1 GiB bar';
  console.log(`  server RSS before ${mib(before)}, peak ${mib(peak)}${serverRss.resettable ? '' : ' (since start)'}: ${verdict}`);
}

async function main(): Promise<void> {
  if (!existsSync(photoDir)) {
    console.log(`[skip] ${photoDir} is absent: the bench needs the real photos (see ../shared/images/SOURCES.md)`);
    return;
  }
  const settings = benchSettings();
  const t0 = performance.now();
  const photos = readPhotos();
  const workloads = WORKLOADS.filter((w) => settings.only.length === 0 || settings.only.includes(w.name));

  const server = await startServer(repoRoot, (line) => console.log(`  [server] ${line.length > 400 ? `${line.slice(0, 400)}…` : line}`));
  const channel = new GrpcChannel(server.address);
  try {
    const passedThrough = ['WORKER_THREADS', 'MAX_CONCURRENT_OPERATIONS', 'UV_THREADPOOL_SIZE', 'MAX_MESSAGE_BYTES']
      .filter((k) => process.env[k])
      .map((k) => `${k}=${process.env[k]}`);
    console.log(`image service bench: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}`);
    console.log(`photos: ${photoDir} (${photos.size} files); depth ${settings.depth}; ${settings.warmupSeconds} s of warm-up, then ${settings.rounds} rounds of ${settings.seconds} s per side, alternating raw/service`);
    console.log(`bench process (raw side and grpc-js client): node ${process.execArgv.filter((a, i, all) => a.startsWith('--') && !/^--(require|import)$/.test(a) && !/^--(require|import)$/.test(all[i - 1] ?? '')).join(' ') || '(no options)'}`);
    console.log(`raw side: this process, main thread, sharp concurrency ${sharp.concurrency()}, cache ${JSON.stringify(sharp.cache().memory)} MB limit, UV_THREADPOOL_SIZE ${process.env.UV_THREADPOOL_SIZE ?? 'default (4)'}`);
    console.log(`service side: pid ${server.pid} at ${server.address}; node ${server.nodeArgs.join(' ')}; ${Object.entries(server.env).filter(([k]) => k !== 'DATA_DIR' && k !== 'HOST').map(([k, v]) => `${k}=${v}`).join(' ')}${passedThrough.length ? ` ${passedThrough.join(' ')}` : ''}`);
    console.log(`server idle RSS ${mib(new PeakRss(server.pid).currentBytes())}`);

    const results: WorkloadResult[] = [];
    for (const workload of workloads) {
      const result = await runWorkload(workload, photos, perRequest(channel), server, settings);
      printWorkload(result, settings.depth);
      results.push(result);
    }
    if (settings.only.length === 0 || settings.only.includes('batch')) {
      const thumbnail = WORKLOADS.find((w) => w.name === 'thumbnail')!;
      const batch = new BatchStream(channel.client);
      const workload = { ...thumbnail, name: 'batch', summary: `${thumbnail.summary}, as items of one ProcessBatch stream` };
      try {
        const result = await runWorkload(workload, photos, overOneStream(batch), server, settings);
        printWorkload(result, settings.depth);
        results.push(result);
      } finally {
        batch.close();
      }
    }

    await memoryPhase(settings.bigRequests, photos, channel, server);

    console.log('\nsummary: service / raw in images per second (mean over rounds)');
    for (const r of results) console.log(ratioLine(r));
    console.log(`total ${fmt((performance.now() - t0) / 1000, 0)} s`);
  } finally {
    channel.close();
    await server.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
