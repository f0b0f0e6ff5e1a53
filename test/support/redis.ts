import net from 'node:net';

/**
 * The Redis the tests share (TEST_REDIS_URL, default redis://127.0.0.1:6379; `.ci/run` starts one).
 * Unreachable: the caller skips with a warning, or fails under REQUIRE_REDIS=1 (CI).
 */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';

export async function checkRedisForTests(): Promise<boolean> {
  const url = new URL(TEST_REDIS_URL);
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port || 6379), timeout: 2000 });
    socket.once('connect', () => {
      socket.end(() => resolve(true));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
  if (reachable) return true;
  if (process.env.REQUIRE_REDIS === '1') throw new Error(`REQUIRE_REDIS=1 but Redis at ${TEST_REDIS_URL} is not reachable`);
  console.warn(`[skip] Redis at ${TEST_REDIS_URL} is not reachable: shared rate-limit tests are skipped (set TEST_REDIS_URL, or REQUIRE_REDIS=1 to fail instead)`);
  return false;
}
