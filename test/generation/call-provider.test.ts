import { describe, expect, it } from 'vitest';
import { callProvider, type HttpDeps, type ProviderTarget } from '../../src/generation/http/call-provider.js';
import { backoffMs, requestedDelayMs } from '../../src/generation/http/retry-delay.js';
import { redactJson } from '../../src/generation/redact.js';
import { rejection } from './fake-provider.js';

const target: ProviderTarget = { model: 'm', provider: 'jigsawstack', secrets: ['s3cr3t-value'] };
const policy = { timeoutMs: 1000, maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 };

/** A scripted transport and a fake clock: every wait advances the clock instead of sleeping. */
function fakeDeps(responses: (() => Response)[]): HttpDeps & { waits: number[]; calls: number } {
  let clock = 1_000_000;
  const deps = {
    waits: [] as number[],
    calls: 0,
    fetch: async () => {
      const next = responses[deps.calls++];
      if (!next) throw new Error('no more scripted responses');
      return next();
    },
    sleep: async (ms: number) => {
      deps.waits.push(ms);
      clock += ms;
    },
    random: () => 1,
    now: () => clock,
  };
  return deps;
}

const status = (code: number, headers: Record<string, string> = {}, body = '{}') => () => new Response(body, { status: code, headers });

describe('retry delays', () => {
  it('reads Retry-After as seconds or an HTTP date, retry-after-ms, and x-jigsaw-rate-limit-reset', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(requestedDelayMs(new Headers({ 'retry-after': '3' }), now)).toBe(3000);
    expect(requestedDelayMs(new Headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:05 GMT' }), now)).toBe(5000);
    expect(requestedDelayMs(new Headers({ 'retry-after-ms': '250' }), now)).toBe(250);
    expect(requestedDelayMs(new Headers({ 'x-jigsaw-rate-limit-reset': String(now + 1500) }), now)).toBe(1500);
    expect(requestedDelayMs(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(requestedDelayMs(new Headers(), now)).toBeUndefined();
  });

  it('backs off exponentially with equal jitter, capped', () => {
    expect([1, 2, 3, 4, 5].map((a) => backoffMs(a, 100, 1000, () => 0))).toEqual([50, 100, 200, 400, 500]);
    expect([1, 2, 3, 4, 5].map((a) => backoffMs(a, 100, 1000, () => 1))).toEqual([100, 200, 400, 800, 1000]);
  });
});

describe('callProvider', () => {
  it('retries 429 and 5xx up to maxAttempts, but never a 4xx', async () => {
    const deps = fakeDeps([status(429), status(503), status(500), status(200, {}, 'ok')]);
    const res = await callProvider(target, { url: 'http://x/', maxResponseBytes: 100 }, policy, {}, deps);
    expect(res).toMatchObject({ status: 200, attempts: 4 });
    expect(deps.waits).toEqual([100, 200, 400]);
    const once = fakeDeps([status(404, {}, '{"message":"no such route"}')]);
    const err = await rejection(callProvider(target, { url: 'http://x/', maxResponseBytes: 100 }, policy, {}, once));
    expect(once.calls).toBe(1);
    expect(err).toMatchObject({ kind: 'generation_failed', reason: 'GENERATION_FAILED', message: 'model "m" (jigsawstack) answered HTTP 404: no such route' });
  });

  it("fails at once instead of waiting past the client's deadline", async () => {
    // Retry-After is within the configured maximum wait, but beyond the deadline.
    const deps = fakeDeps([status(429, { 'retry-after': '1' }), status(200)]);
    const err = await rejection(callProvider(target, { url: 'http://x/', maxResponseBytes: 100 }, policy, { deadline: 1_000_000 + 500 }, deps));
    expect(deps.calls).toBe(1);
    expect(deps.waits).toEqual([]);
    expect(err).toMatchObject({ reason: 'PROVIDER_RATE_LIMITED', retryAfterMs: 1000 });
  });

  it('does not call at all when the deadline has passed or the call is cancelled', async () => {
    const deps = fakeDeps([status(200)]);
    expect(await rejection(callProvider(target, { url: 'http://x/', maxResponseBytes: 10 }, policy, { deadline: 1 }, deps))).toMatchObject({ kind: 'deadline_exceeded' });
    const aborted = AbortSignal.abort();
    expect(await rejection(callProvider(target, { url: 'http://x/', maxResponseBytes: 10 }, policy, { signal: aborted }, deps))).toMatchObject({ kind: 'cancelled' });
    expect(deps.calls).toBe(0);
  });

  it('retries connection failures and reports PROVIDER_UNREACHABLE', async () => {
    const refused = () => {
      throw new TypeError('fetch failed');
    };
    const deps = fakeDeps([refused, refused, refused, refused]);
    const err = await rejection(callProvider(target, { url: 'http://x/', maxResponseBytes: 10 }, policy, {}, deps));
    expect(deps.calls).toBe(4);
    expect(err).toMatchObject({ kind: 'generation_failed', reason: 'PROVIDER_UNREACHABLE', message: 'model "m" (jigsawstack) could not be reached after 4 attempts' });
  });

  it('redacts configured secrets from provider messages', async () => {
    const deps = fakeDeps([status(400, {}, '{"error":{"message":"key s3cr3t-value is not allowed to use this model"}}')]);
    const err = await rejection(callProvider(target, { url: 'http://x/', maxResponseBytes: 1000 }, policy, {}, deps));
    expect(err.message).toBe('model "m" (jigsawstack) rejected the request: key [redacted] is not allowed to use this model');
  });
});

describe('redactJson', () => {
  it('drops secret-looking keys, replaces configured secrets, keeps the rest', () => {
    expect(redactJson({ seed: 1, api_key: 'x', Authorization: 'Bearer y', token: 't', note: 'uses s3cr3t-value', usage: { total_tokens: 3 } }, ['s3cr3t-value'])).toEqual({
      seed: 1,
      note: 'uses [redacted]',
      usage: { total_tokens: 3 },
    });
  });
});
