import { Redis } from 'ioredis';
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { quotaExceeded } from '../errors/index.js';
import type { AuthConfig } from './auth-config.js';
import type { Principal } from './principal.js';

/** Per-caller budgets: calls per principal, generated images per tenant and UTC day. */
export interface CallerLimits {
  /** Takes one call from the principal's budget; RESOURCE_EXHAUSTED with the wait when it is spent. */
  admitCall(principal: Principal): Promise<void>;
  /** Takes `images` from the tenant's daily generation quota; RESOURCE_EXHAUSTED until midnight UTC when it would go over. */
  admitGeneration(tenant: string, images: number): Promise<void>;
  close(): Promise<void>;
}

export interface CallerLimitsOptions {
  /** Reported when Redis fails; the limits then hold per instance until it is back. */
  onRedisError?: (error: unknown) => void;
  now?: () => Date;
}

type Limits = AuthConfig['limits'];
type Limiter = Pick<RateLimiterAbstract, 'consume' | 'reward'>;

const DAY_SECONDS = 86_400;

/**
 * A fixed-window limiter in Redis when configured, with an in-memory one as rate-limiter-flexible's
 * insurance: while Redis is unreachable each instance keeps limiting on its own instead of failing calls.
 */
function limiter(redis: Redis | undefined, keyPrefix: string, points: number, duration: number): RateLimiterAbstract {
  const memory = new RateLimiterMemory({ keyPrefix, points, duration });
  if (!redis) return memory;
  return new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration, insuranceLimiter: memory, rejectIfRedisNotReady: true });
}

/**
 * The call rate as rate-limiter-flexible's BurstyRateLimiter: `requestsPerSecond` per second (a rate
 * under 1 becomes one call per 1/rate seconds), and once that is spent up to `burst` more drawn from a
 * second window as long as the burst takes to earn at the steady rate. It behaves like a token bucket of
 * that rate and size without a hand-written bucket, and works the same in memory and in Redis.
 */
function callLimiter(limits: Limits, redis: Redis | undefined): Pick<RateLimiterAbstract, 'consume'> | undefined {
  const rate = limits.requestsPerSecond;
  if (rate <= 0) return undefined;
  const duration = rate >= 1 ? 1 : Math.ceil(1 / rate);
  const steady = limiter(redis, 'imgsvc:calls', Math.max(1, Math.floor(rate * duration)), duration);
  if (limits.burst === 0) return steady;
  return new BurstyRateLimiter(steady, limiter(redis, 'imgsvc:burst', limits.burst, Math.max(1, Math.ceil(limits.burst / rate))));
}

function isRefusal(e: unknown): e is RateLimiterRes {
  return e instanceof RateLimiterRes;
}

/** Budgets kept in this process, or in Redis (REDIS_URL) and so shared by every instance. */
export async function createCallerLimits(limits: Limits, options: CallerLimitsOptions = {}): Promise<CallerLimits> {
  const now = options.now ?? (() => new Date());
  let redis: Redis | undefined;
  if (limits.redisUrl) {
    // No offline queue: while Redis is away a call goes to the in-memory insurance at once instead of waiting.
    redis = new Redis(limits.redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    redis.on('error', (e) => options.onRedisError?.(e));
    await redis.connect().catch((e) => options.onRedisError?.(e));
  }
  const calls = callLimiter(limits, redis);
  const quota = limits.generationDailyQuota;
  const generations: Limiter | undefined = quota > 0 ? limiter(redis, 'imgsvc:generation', quota, DAY_SECONDS) : undefined;

  return {
    async admitCall(principal) {
      if (!calls) return;
      try {
        await calls.consume(`${principal.tenant}/${principal.kind}/${principal.subject}`);
      } catch (e) {
        if (!isRefusal(e)) throw e;
        const burst = limits.burst > 0 ? ` and bursts of ${limits.burst} more` : '';
        throw quotaExceeded(`rate limit: ${limits.requestsPerSecond} calls per second${burst} for these credentials`, 'RATE_LIMITED', Math.max(1, e.msBeforeNext));
      }
    },

    async admitGeneration(tenant, images) {
      if (!generations) return;
      const day = now().toISOString().slice(0, 10);
      const key = `${tenant}/${day}`;
      try {
        await generations.consume(key, images);
      } catch (e) {
        if (!isRefusal(e)) throw e;
        // A refused request takes nothing: give its points back so a smaller one may still fit.
        await generations.reward(key, images).catch(() => undefined);
        const midnight = Date.UTC(now().getUTCFullYear(), now().getUTCMonth(), now().getUTCDate() + 1);
        const left = Math.max(0, quota - (e.consumedPoints - images));
        throw quotaExceeded(
          `generation quota: ${quota} images per day for tenant ${JSON.stringify(tenant)}, ${left} left today, this call asks for ${images}`,
          'GENERATION_QUOTA_EXCEEDED',
          midnight - now().getTime(),
          { quota: String(quota), remaining: String(left) },
        );
      }
    },

    async close() {
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
