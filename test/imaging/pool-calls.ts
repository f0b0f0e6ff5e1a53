import { expect, vi } from 'vitest';
import { isAppError, type AppError } from '../../src/errors/index.js';
import type { WorkerPool } from '../../src/imaging/worker-pool.js';

/** Settles to the AppError a call rejects with (or fails the test if it resolves). */
export async function rejection(call: Promise<unknown>): Promise<AppError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

/** Waits (no time assertion) until every admitted task has left the workers. */
export async function drained(pool: WorkerPool): Promise<void> {
  await vi.waitFor(() => expect(pool.stats()).toMatchObject({ running: 0, queued: 0 }), { timeout: 50_000, interval: 50 });
}
