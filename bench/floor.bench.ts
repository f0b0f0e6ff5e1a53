/**
 * `npm run bench:floor`: how close any Node gRPC server could come to raw sharp, next to
 * the service, measured in one run. Four sides, alternated round by round on the same photos, each
 * called at BENCH_DEPTH (4) by the same @grpc/grpc-js client as `npm run bench`:
 *   raw      sharp in this process (as in `npm run bench`);
 *   http2    floor-server.ts: node:http2 and protobuf-es only, sharp on its main thread;
 *   + pool   the same with sharp in a bare piscina pool, as the service's architecture requires;
 *   + connect  the same through connect-node's adapter, which the service uses;
 *   + c.stream connect's router handlers driven from the bare HTTP/2 stream by the service's own
 *            adapter (src/api/grpc-stream-adapter.ts), no Node compatibility layer;
 *   service  the real server, started as `npm start` starts it.
 * The gap between raw and http2 is the transport's own (HTTP/2 in Node and the grpc-js client on the
 * same two cores); between http2 and + pool, the worker hand-off; then connect-node's (the adapter's
 * share is + connect against + c.stream); the rest is the service's own work (validation, admission,
 * deadlines, logging, its pipeline code).
 *
 * batch: the thumbnail workload as items of one ProcessBatch stream (batch-stream.ts, as `npm run bench`)
 * on raw, http2 and + pool (floor-server.ts's bareBatch) and the service: the least a Node server can do
 * per item once the per-request cost is paid per stream.
 *
 * Env: BENCH_WORKLOADS (default "thumbnail,web,batch"), BENCH_SECONDS (4), BENCH_ROUNDS (2), BENCH_DEPTH (4),
 * BENCH_WARMUP_SECONDS (3).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { create, toBinary } from '@bufbuild/protobuf';
import {
  ProcessingServiceGenerateVariationsRequestSchema as RequestSchema,
  ProcessingServiceGenerateVariationsResponseSchema as ResponseSchema,
} from '../gen/image/v1/processing_service_pb.js';
import { closedLoop, mean, warmUp } from './closed-loop.js';
import { cpuSeconds } from './cpu-time.js';
import { GrpcChannel } from './grpc-channel.js';
import { startServer } from './server-process.js';
import { BatchStream } from './batch-stream.js';
import { benchSettings, type BenchSettings } from './settings.js';
import { WORKLOADS } from './workloads.js';

const GENERATE_VARIATIONS = '/image.v1.ProcessingService/GenerateVariations';
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const photoDir = path.resolve(repoRoot, '../shared/images');

interface Side {
  name: string;
  task: (i: number) => Promise<unknown>;
  /** The process whose CPU counts besides this one, if any. */
  pid?: number;
  rates: number[];
  cpu: number;
  images: number;
}

async function startFloor(pool: boolean, transport: 'http2' | 'connect' | 'connect-stream' = 'http2'): Promise<{ child: ChildProcess; address: string }> {
  const child = fork(path.join(repoRoot, 'bench/floor-server.ts'), [], {
    execArgv: process.execArgv,
    env: { ...process.env, FLOOR_POOL: pool ? '1' : '0', FLOOR_TRANSPORT: transport },
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve(m as number));
    child.once('exit', (code) => reject(new Error(`floor server exited (${code})`)));
  });
  return { child, address: `127.0.0.1:${port}` };
}

function side(name: string, task: (i: number) => Promise<unknown>, pid?: number): Side {
  return { name, task, pid, rates: [], cpu: 0, images: 0 };
}

/** Warms every side up, then alternates them round by round; prints each side's rate against raw's (the first). */
async function measure(sides: Side[], settings: BenchSettings, title: string): Promise<void> {
  const next = { index: 0 };
  for (const s of sides) await warmUp(s.task, settings.depth, next, settings.warmupSeconds);
  const cpu = (s: Side) => cpuSeconds('self')! + (s.pid === undefined ? 0 : (cpuSeconds(s.pid) ?? 0));
  for (let round = 0; round < settings.rounds; round++) {
    for (const s of sides) {
      const before = cpu(s);
      const result = await closedLoop(s.task, settings.depth, settings.seconds, next);
      s.cpu += cpu(s) - before;
      s.images += result.started;
      s.rates.push(result.imagesPerSecond);
    }
  }
  const raw = mean(sides[0].rates);
  console.log(`\n${title}`);
  for (const s of sides) {
    const rate = mean(s.rates);
    const ratio = s.name === 'raw' ? '' : `  ratio ${(rate / raw).toFixed(2)}`;
    console.log(`  ${s.name.padEnd(10)} ${rate.toFixed(1).padStart(7)} images/s  CPU ${((s.cpu * 1000) / s.images).toFixed(1)} ms per image${ratio}`);
  }
}

async function main(): Promise<void> {
  if (!existsSync(photoDir)) {
    console.log(`[skip] ${photoDir} is absent: the bench needs the real photos (see ../shared/images/SOURCES.md)`);
    return;
  }
  const settings = benchSettings();
  const names = settings.only.length > 0 ? settings.only : ['thumbnail', 'web', 'batch'];
  const workloads = WORKLOADS.filter((w) => names.includes(w.name));
  const all = readdirSync(photoDir).sort();

  const floors = [await startFloor(false), await startFloor(true), await startFloor(true, 'connect'), await startFloor(true, 'connect-stream')];
  const service = await startServer(repoRoot, (line) => console.log(`  [server] ${line}`));
  const channels = [...floors.map((floor) => new GrpcChannel(floor.address)), new GrpcChannel(service.address)];
  try {
    console.log(`floor bench: depth ${settings.depth}, ${settings.rounds} rounds of ${settings.seconds} s per side, sides alternated`);
    for (const workload of workloads) {
      const inputs = workload.photos(all).map((name) => readFileSync(path.join(photoDir, name)));
      const requests = inputs.map((imageData) => {
        const bytes = toBinary(RequestSchema, create(RequestSchema, { imageData, variationConfigs: [workload.config] }));
        return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      });
      const call = (channel: GrpcChannel) => (i: number) => channel.serverStream(GENERATE_VARIATIONS, requests[i % requests.length], ResponseSchema);
      const sides = [
        side('raw', (i) => workload.raw(inputs[i % inputs.length])),
        side('http2', call(channels[0]), floors[0].child.pid),
        side('+ pool', call(channels[1]), floors[1].child.pid),
        side('+ connect', call(channels[2]), floors[2].child.pid),
        side('+ c.stream', call(channels[3]), floors[3].child.pid),
        side('service', call(channels[4]), service.pid),
      ];
      await measure(sides, settings, `${workload.name}: ${workload.summary}`);
    }
    if (names.includes('batch')) {
      // ProcessBatch: the thumbnail workload as items of one stream, on the bare HTTP/2 floor (sharp on
      // its main thread, then in a bare pool) and on the service.
      const thumbnail = WORKLOADS.find((w) => w.name === 'thumbnail')!;
      const inputs = thumbnail.photos(all).map((name) => readFileSync(path.join(photoDir, name)));
      const items = BatchStream.encodeItems(inputs, thumbnail.config);
      const streams = [new BatchStream(channels[0].client), new BatchStream(channels[1].client), new BatchStream(channels[4].client)];
      const over = (stream: BatchStream) => (i: number) => stream.process(items[i % items.length]);
      try {
        await measure(
          [
            side('raw', (i) => thumbnail.raw(inputs[i % inputs.length])),
            side('http2', over(streams[0]), floors[0].child.pid),
            side('+ pool', over(streams[1]), floors[1].child.pid),
            side('service', over(streams[2]), service.pid),
          ],
          settings,
          `batch: ${thumbnail.summary}, as items of one ProcessBatch stream`,
        );
      } finally {
        for (const stream of streams) stream.close();
      }
    }
  } finally {
    for (const channel of channels) channel.close();
    for (const floor of floors) floor.child.kill();
    await service.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
