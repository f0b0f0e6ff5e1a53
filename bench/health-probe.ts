/**
 * The health prober of `npm run bench:load`, run as its own process so that its timings are not the
 * load clients' event loop: every LOAD_HEALTH_INTERVAL_MS it sends grpc.health.v1 Check on its own
 * connection and prints one JSON line per check: `{"ms": latency, "answer": "SERVING" | code name}`.
 * The check is answered on the server's main thread, so its latency bounds that thread's event-loop delay.
 * Its deadline is far beyond the bar, so a slow answer is measured rather than cut off.
 * Usage: tsx bench/health-probe.ts <host:port> <interval ms> <deadline ms>; it stops when stdin ends.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { GrpcChannel, grpcCode } from './grpc-channel.js';

const [address, interval, deadline] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const channel = new GrpcChannel(address, { 'grpc.use_local_subchannel_pool': 1 });
let stopping = false;
process.stdin.on('end', () => (stopping = true)).resume();

while (!stopping) {
  const started = performance.now();
  const answer = await channel
    .serving(deadline)
    .then((serving) => (serving ? 'SERVING' : 'NOT_SERVING'))
    .catch((error: unknown) => grpc.status[grpcCode(error) ?? grpc.status.UNKNOWN]);
  const ms = performance.now() - started;
  process.stdout.write(`${JSON.stringify({ ms, answer })}\n`);
  await sleep(Math.max(0, interval - ms));
}
channel.close();
