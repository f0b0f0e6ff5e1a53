import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GrpcChannel } from './grpc-channel.js';
import { startCommand } from './start-command.js';

export interface ServerProcess {
  pid: number;
  /** host:port for @grpc/grpc-js. */
  address: string;
  /** The settings the server was started with (`npm start`'s, the bench's own, and any passed through). */
  env: Record<string, string>;
  /** The node options it was started with. */
  nodeArgs: string[];
  /** Stops the server (SIGTERM, then SIGKILL after a few seconds) and removes its data folder. */
  stop(): Promise<void>;
}

/** Settings the bench always sets; anything else (WORKER_THREADS, UV_THREADPOOL_SIZE, ...) passes through. */
function benchServerEnv(port: number, dataDir: string): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    // Repeated photos must be processed every time, not answered from the result cache.
    CACHE_MAX_BYTES: '0',
    LOG_LEVEL: 'warn',
    // Room for the 32-request phase and any depth the bench is given; overload is not what is measured.
    MAX_QUEUE: process.env.MAX_QUEUE ?? '1024',
  };
}

/** `npm start`'s settings that this process's environment overrides (e.g. MALLOC_ARENA_MAX=8 npm run bench). */
function passedThrough(startEnv: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(startEnv).flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k]]])));
}

/** A port that was free a moment ago: the server's log line is not read, so the port is chosen here. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const live = new Map<ChildProcess, string>();
let hooked = false;

/** Whatever way the bench ends, the servers it started end with it, and their data folders go. */
function killChildrenOnExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const [child, dataDir] of live) {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the server and exiting`);
      process.exit(130);
    });
  }
}

/**
 * The real service as a child process (`node --import tsx src/main.ts`), so its memory is its own and
 * can be read from /proc; ready once grpc.health.v1 Check answers SERVING. `overrides` go on top of the
 * bench's settings (an empty value leaves the service's own default).
 */
export async function startServer(repoRoot: string, onLog: (line: string) => void, overrides: Record<string, string> = {}): Promise<ServerProcess> {
  killChildrenOnExit();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'imgsvc-bench-'));
  const port = await freePort();
  // Started as `npm start` starts it (its settings and node options), with the bench's settings on top.
  const start = startCommand(repoRoot);
  const env = { ...start.env, ...passedThrough(start.env), ...benchServerEnv(port, dataDir), ...overrides };
  // For investigations, e.g. BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = [...start.nodeArgs, ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', start.script], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.set(child, dataDir);
  const onLine = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) onLog(line);
  };
  child.stdout.on('data', onLine);
  child.stderr.on('data', onLine);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      live.delete(child);
      resolve();
    }),
  );

  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  const address = `127.0.0.1:${port}`;
  const channel = new GrpcChannel(address);
  try {
    const giveUp = Date.now() + 60_000;
    for (;;) {
      if (exited) {
        throw new Error(`the server exited before it was ready (code ${exited.code}, signal ${exited.signal}); its output is above`);
      }
      if (Date.now() > giveUp) throw new Error('the server did not answer grpc.health.v1 Check with SERVING within 60 s; its output is above');
      if (await channel.serving().catch(() => false)) break;
      await sleep(200);
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    channel.close();
  }
  return { pid: child.pid!, address, env, nodeArgs, stop };
}
