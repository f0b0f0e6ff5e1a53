/**
 * `npm run bench:load`: the real server as a child process (started as `npm start` starts it) under
 * LOAD_CLIENTS (64) concurrent clients for LOAD_SECONDS (300) of mixed traffic (see load-kinds.ts),
 * with LOAD_IDLE_SOCKETS (16) connections beside them that send nothing or one byte, and a health check
 * every LOAD_HEALTH_INTERVAL_MS (250) from its own process. Prints throughput, answers by code, p50/p99
 * per kind, the server's peak RSS, the health checks' latency (the server's main-thread event-loop
 * delay shows in it: the check is answered there), and the bar as PASS/FAIL lines:
 * - no answer other than OK, INVALID_ARGUMENT and RESOURCE_EXHAUSTED;
 * - every health check answered SERVING within LOAD_HEALTH_BOUND_MS (1000);
 * - peak RSS under LOAD_MAX_RSS_MB (1536).
 * Exits 1 when a line says FAIL. Other env: LOAD_IDLE_HOLD_SECONDS (75), LOAD_DEADLINE_SECONDS (60);
 * server settings (WORKER_THREADS, MAX_QUEUE, ...) pass through, the service's defaults otherwise.
 */
import { spawn } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { UploadImageRequestSchema, UploadImageResponseSchema } from '../gen/image/v1/image_service_pb.js';
import { percentile } from './closed-loop.js';
import { GrpcChannel } from './grpc-channel.js';
import { loadKinds, pickKind, type LoadInputs } from './load-kinds.js';
import { loadSettings } from './load-settings.js';
import { ACCEPTABLE, columns, LoadTally } from './load-tally.js';
import { mib, PeakRss } from './peak-rss.js';
import { startServer } from './server-process.js';
import { idleSocket } from './slow-connections.js';
import { BIG_PHOTO } from './workloads.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const photoDir = path.resolve(repoRoot, '../shared/images');
const settings = loadSettings();

function readInputs(): Omit<LoadInputs, 'imageIds'> {
  if (!existsSync(photoDir)) throw new Error(`${photoDir} is absent: the load bench sends real photos`);
  const read = (dir: string, names: string[]) => names.map((name) => ({ name, data: readFileSync(path.join(dir, name)) }));
  const names = readdirSync(photoDir).filter((n) => /\.(jpe?g|png)$/i.test(n)).sort();
  const badDir = path.join(photoDir, 'bad');
  return {
    photos: read(photoDir, names.filter((n) => n !== BIG_PHOTO)),
    big: names.includes(BIG_PHOTO) ? read(photoDir, [BIG_PHOTO])[0] : undefined,
    broken: existsSync(badDir) ? read(badDir, readdirSync(badDir).sort()) : [],
  };
}

/** Server log lines at warn or above: counted, and the first few shown. */
const serverWarnings: string[] = [];
function onServerLog(line: string): void {
  const level = /"level":(\d+)/.exec(line);
  if (!level || Number(level[1]) >= 40) serverWarnings.push(line);
}

/** The health prober (health-probe.ts) in its own process; its lines are collected until `stop`. */
function startHealthProbe(address: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'bench/health-probe.ts'), address, String(settings.healthIntervalMs), '10000'], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const checks: { ms: number; answer: string }[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => checks.push(JSON.parse(line) as { ms: number; answer: string }));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    checks,
    async stop() {
      child.stdin.end();
      await exited;
    },
  };
}

async function main(): Promise<number> {
  const inputs = readInputs();
  console.log(`load: ${settings.clients} clients for ${settings.seconds} s, ${settings.idleSockets} idle sockets, ${inputs.photos.length} photos${inputs.big ? ` (+ ${inputs.big.name})` : ''}, ${inputs.broken.length} broken files`);
  // The service's own queue and cache defaults, unless given: the bench's other settings (a deep queue, no cache) are for measuring speed.
  const server = await startServer(repoRoot, onServerLog, { MAX_QUEUE: process.env.MAX_QUEUE ?? '', CACHE_MAX_BYTES: process.env.CACHE_MAX_BYTES ?? '' });
  const rss = new PeakRss(server.pid);
  let code: number;
  try {
    const setup = new GrpcChannel(server.address);
    const imageIds: string[] = [];
    for (const photo of inputs.photos) {
      const res = await setup.unary('/image.v1.ImageService/UploadImage', UploadImageRequestSchema, { fileData: photo.data, filename: photo.name }, UploadImageResponseSchema, 60_000);
      imageIds.push(res.image!.imageId);
    }
    setup.close();
    const kinds = loadKinds({ ...inputs, imageIds });
    const tally = new LoadTally();
    const idle = { opened: 0, closedByServer: [] as number[], heldOpen: 0, openAtEnd: 0 };
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });

    rss.reset();
    const health = startHealthProbe(server.address);
    loopDelay.enable();
    const started = performance.now();
    const end = started + settings.seconds * 1000;
    const stopIdle = new AbortController();
    // Each idle socket listens for the end while it waits.
    setMaxListeners(settings.idleSockets + 10, stopIdle.signal);
    const counters = new Map<string, number>();

    const client = async () => {
      const channel = new GrpcChannel(server.address, { 'grpc.use_local_subchannel_pool': 1 });
      while (performance.now() < end) {
        const kind = pickKind(kinds, Math.random());
        const index = counters.get(kind.name) ?? 0;
        counters.set(kind.name, index + 1);
        const t = performance.now();
        const answer = await kind.call({ channel, address: server.address, deadlineMs: settings.deadlineSeconds * 1000, index });
        tally.record(kind.name, answer, performance.now() - t);
      }
      channel.close();
    };
    const idler = async (i: number) => {
      for (let n = i; !stopIdle.signal.aborted; n++) {
        idle.opened++;
        const r = await idleSocket(server.address, (['', 'G', 'P'] as const)[n % 3], settings.idleHoldSeconds * 1000, stopIdle.signal);
        if (r.closedByServer) idle.closedByServer.push(r.ms);
        else if (stopIdle.signal.aborted) idle.openAtEnd++;
        else idle.heldOpen++;
      }
    };
    const idlers = Array.from({ length: settings.idleSockets }, (_, i) => idler(i));
    await Promise.all(Array.from({ length: settings.clients }, client));
    const elapsed = (performance.now() - started) / 1000;
    stopIdle.abort();
    await Promise.all(idlers);
    loopDelay.disable();
    await health.stop();
    const peak = rss.peakBytes();

    const healthMs = health.checks.map((c) => c.ms);
    const slowOrFailed = health.checks.filter((c) => c.answer !== 'SERVING' || c.ms > settings.healthBoundMs);
    const codes = tally.codes();
    const unacceptable = codes.filter(([c]) => !ACCEPTABLE.has(c));
    const ms = (v: number) => `${v.toFixed(0)} ms`;

    console.log(`\nthroughput: ${(tally.calls / elapsed).toFixed(1)} calls/s (${tally.calls} calls in ${elapsed.toFixed(0)} s: ${settings.seconds} s of load, then the calls still in flight)`);
    for (const line of tally.table(elapsed)) console.log(`  ${line}`);
    console.log(`answers by code: ${codes.map(([c, n]) => `${c} ${n}`).join(', ')}`);
    console.log(
      `idle sockets: ${idle.opened} opened; ${idle.closedByServer.length} closed by the server` +
        (idle.closedByServer.length ? ` (after p50 ${ms(percentile(idle.closedByServer, 50))}, max ${ms(Math.max(...idle.closedByServer))})` : '') +
        `; ${idle.heldOpen} still open after their ${settings.idleHoldSeconds} s hold; ${idle.openAtEnd} open when the load ended`,
    );
    console.log(
      `health checks: ${health.checks.length}, every ${settings.healthIntervalMs} ms on their own connection; latency p50 ${ms(percentile(healthMs, 50))}, p99 ${ms(percentile(healthMs, 99))}, max ${ms(Math.max(...healthMs))}` +
        ` (the server's main-thread event-loop delay is within these)`,
    );
    console.log(`bench process event-loop delay: p99 ${ms(loopDelay.percentile(99) / 1e6)}, max ${ms(loopDelay.max / 1e6)}`);
    console.log(`server peak RSS: ${mib(peak)}${rss.resettable ? ' (from the start of the load)' : ' (from the server start: /proc refused a reset)'}`);
    if (serverWarnings.length > 0) console.log(`server warnings: ${serverWarnings.length}, the first:\n  ${serverWarnings.slice(0, 5).join('\n  ')}`);

    const bar = [
      [unacceptable.length === 0, `answers: only OK, INVALID_ARGUMENT and RESOURCE_EXHAUSTED${unacceptable.length ? `; also ${unacceptable.map(([c, n]) => `${c} ${n}`).join(', ')}` : ''}`],
      [
        health.checks.length > 0 && slowOrFailed.length === 0,
        `health: every check SERVING within ${settings.healthBoundMs} ms (max ${ms(Math.max(...healthMs))}${slowOrFailed.length ? `; ${slowOrFailed.length} slower or failed` : ''})`,
      ],
      [peak !== undefined && peak < settings.maxRssMb * 1024 * 1024, `peak RSS ${mib(peak)} under LOAD_MAX_RSS_MB ${settings.maxRssMb} MiB`],
    ] as const;
    console.log('');
    for (const line of columns(bar.map(([ok, text]) => [ok ? 'PASS' : 'FAIL', text]))) console.log(line);
    code = bar.every(([ok]) => ok) ? 0 : 1;
  } finally {
    await server.stop();
  }
  return code;
}

process.exitCode = await main();
