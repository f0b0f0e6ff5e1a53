import { describe, expect, it } from 'vitest';
import { createCallerLimits } from '../../src/auth/caller-limits.js';
import { anonymousPrincipal, type Principal } from '../../src/auth/principal.js';
import { AppError } from '../../src/errors/index.js';
import { freePort } from '../support/azurite.js';

const principal = (subject: string): Principal => ({ tenant: 'acme', subject, scopes: new Set(['images:read']), kind: 'api-key', keyId: subject });

async function refusal(call: Promise<void>): Promise<AppError> {
  const e = await call.then(() => undefined, (err: unknown) => err);
  if (!(e instanceof AppError)) throw new Error(`expected a refusal, got ${String(e)}`);
  return e;
}

describe('per-caller limits', () => {
  it('takes no calls from anyone when the rate is 0, and no quota when it is 0', async () => {
    const sut = await createCallerLimits({ requestsPerSecond: 0, burst: 0, generationDailyQuota: 0, redisUrl: undefined });
    for (let i = 0; i < 1000; i++) await sut.admitCall(anonymousPrincipal());
    await sut.admitGeneration('acme', 1_000_000);
    await sut.close();
  });

  it('refuses a generation call asking for more than the day has left, and keeps what is left', async () => {
    const day = new Date('2030-05-06T22:00:00Z');
    const sut = await createCallerLimits({ requestsPerSecond: 0, burst: 0, generationDailyQuota: 5, redisUrl: undefined }, { now: () => day });
    await sut.admitGeneration('acme', 4);
    const e = await refusal(sut.admitGeneration('acme', 2));
    expect([e.kind, e.reason, e.retryAfterMs, e.metadata]).toEqual(['resource_exhausted', 'GENERATION_QUOTA_EXCEEDED', 2 * 3600 * 1000, { quota: '5', remaining: '1' }]);
    await sut.admitGeneration('acme', 1);
    await sut.admitGeneration('beta', 5);
    await sut.close();
  });

  it('keeps limiting in memory while Redis cannot be reached, and says so', async () => {
    const errors: unknown[] = [];
    const sut = await createCallerLimits(
      { requestsPerSecond: 0.001, burst: 1, generationDailyQuota: 1, redisUrl: `redis://127.0.0.1:${await freePort()}` },
      { onRedisError: (e) => errors.push(e) },
    );
    try {
      await sut.admitCall(principal('a'));
      await sut.admitCall(principal('a'));
      expect((await refusal(sut.admitCall(principal('a')))).reason).toBe('RATE_LIMITED');
      await sut.admitCall(principal('b'));
      await sut.admitGeneration('acme', 1);
      expect((await refusal(sut.admitGeneration('acme', 1))).reason).toBe('GENERATION_QUOTA_EXCEEDED');
      expect(errors.length).toBeGreaterThan(0);
    } finally {
      await sut.close();
    }
  });
});
