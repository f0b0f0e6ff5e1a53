import { AppError, cancelled, deadlineExceeded, generationFailed, generationRejected, isAppError } from '../../errors/index.js';
import type { Observer } from '../../observe/observer.js';
import type { GenerationCall, ProviderName } from '../image-generator.js';
import { providerMessage } from '../redact.js';
import { backoffMs, requestedDelayMs } from './retry-delay.js';

/** Per model: every provider call has a timeout, a bound on attempts, and jittered backoff between them. */
export interface RetryPolicy {
  /** One attempt, response body included. */
  timeoutMs: number;
  maxAttempts: number;
  /** First backoff step; doubles per attempt up to maxDelayMs. */
  baseDelayMs: number;
  /** Longest wait between attempts; a Retry-After beyond it ends the call at once (with RetryInfo). */
  maxDelayMs: number;
}

/** Who is being called, for messages, metadata and redaction. */
export interface ProviderTarget {
  model: string;
  provider: ProviderName;
  /** Configured secrets: removed from anything that reaches a message or a log. */
  secrets: readonly string[];
}

export interface ProviderRequest {
  url: string;
  method?: 'POST' | 'GET';
  headers?: Record<string, string>;
  /** Built per attempt: a body stream cannot be sent twice. */
  body?: () => string | FormData;
  /** Larger responses are refused as invalid output, without reading further. */
  maxResponseBytes: number;
  /** The provider's explanation of a failed response (default: the usual JSON error shapes, else the text). */
  explain?: (status: number, body: Buffer) => { message: string; promptRejected?: boolean };
}

export interface ProviderResponse {
  status: number;
  headers: Headers;
  body: Buffer;
  attempts: number;
}

interface AttemptEvent {
  model: string;
  provider: ProviderName;
  attempt: number;
  outcome: 'ok' | 'retry' | 'failed';
  status?: number;
  /** The wait before the next attempt, when retrying. */
  waitMs?: number;
  durationMs: number;
}

/** Seams for tests: the clock, the randomness, the waiting and the transport. */
export interface HttpDeps {
  fetch: typeof fetch;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  now: () => number;
  onAttempt?: (event: AttemptEvent) => void;
  /** Each attempt as a provider call (metrics, a span, and the traceparent sent with it). */
  observer?: Pick<Observer, 'start'>;
}

export const DEFAULT_HTTP_DEPS: HttpDeps = {
  fetch: (input, init) => fetch(input, init),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
  random: Math.random,
  now: Date.now,
};

type Failure =
  | { kind: 'status'; status: number; headers: Headers; body: Buffer }
  | { kind: 'timeout' }
  | { kind: 'network'; cause: unknown };

/**
 * One provider call: each attempt bounded by the policy's timeout and the client's deadline; 429, 5xx,
 * timeouts and connection failures retried with jittered exponential backoff (a provider's Retry-After
 * wins when it says more); other statuses fail at once. The client's cancellation aborts the request in
 * flight. Failures become the catalogue's generation errors with the provider's message, redacted.
 */
export async function callProvider(
  target: ProviderTarget,
  request: ProviderRequest,
  policy: RetryPolicy,
  call: GenerationCall,
  deps: HttpDeps = DEFAULT_HTTP_DEPS,
): Promise<ProviderResponse> {
  const deadline = call.deadline ?? Infinity;
  let last: Failure | undefined;
  for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
    if (call.signal?.aborted) throw cancelled(`generation by model ${JSON.stringify(target.model)} was cancelled by the caller`);
    const started = deps.now();
    if (started >= deadline) throw outOfTime(target);
    const attemptMs = Math.min(policy.timeoutMs, deadline - started);
    const outcome = await observedAttempt(target, request, attemptMs, call.signal, deps);
    const durationMs = deps.now() - started;
    if (outcome.ok) {
      deps.onAttempt?.({ model: target.model, provider: target.provider, attempt, outcome: 'ok', status: outcome.response.status, durationMs });
      return { ...outcome.response, attempts: attempt };
    }
    last = outcome.failure;
    if (call.signal?.aborted) throw cancelled(`generation by model ${JSON.stringify(target.model)} was cancelled by the caller`);
    if (last.kind === 'timeout' && deps.now() >= deadline) throw outOfTime(target);

    const status = last.kind === 'status' ? last.status : undefined;
    const retryable = status === undefined || status === 429 || status === 408 || status >= 500;
    if (!retryable || attempt === policy.maxAttempts) {
      deps.onAttempt?.({ model: target.model, provider: target.provider, attempt, outcome: 'failed', status, durationMs });
      throw finalError(target, request, last, attempt, deps.now());
    }
    const asked = last.kind === 'status' ? requestedDelayMs(last.headers, deps.now()) : undefined;
    const backoff = backoffMs(attempt, policy.baseDelayMs, policy.maxDelayMs, deps.random);
    const waitMs = asked === undefined ? backoff : Math.max(asked, 0) + Math.round(deps.random() * Math.min(250, policy.baseDelayMs));
    if (asked !== undefined && asked > policy.maxDelayMs) {
      // Waiting that long would hold the RPC hostage; tell the client when to come back instead.
      throw finalError(target, request, last, attempt, deps.now(), asked);
    }
    if (deps.now() + waitMs >= deadline) throw finalError(target, request, last, attempt, deps.now(), asked);
    deps.onAttempt?.({ model: target.model, provider: target.provider, attempt, outcome: 'retry', status, waitMs, durationMs });
    try {
      await deps.sleep(waitMs, call.signal);
    } catch {
      throw cancelled(`generation by model ${JSON.stringify(target.model)} was cancelled by the caller`);
    }
  }
  // Unreachable: the loop returns or throws on its last attempt.
  throw generationFailed(`model ${JSON.stringify(target.model)} failed`, { metadata: meta(target, policy.maxAttempts) });
}

type AttemptOutcome = { ok: true; response: Omit<ProviderResponse, 'attempts'> } | { ok: false; failure: Failure };

/** One attempt, observed when the deps have an observer: outcome `ok`, `http_<status>`, `timeout` or `network`. */
async function observedAttempt(
  target: ProviderTarget,
  request: ProviderRequest,
  timeoutMs: number,
  callerSignal: AbortSignal | undefined,
  deps: HttpDeps,
): Promise<AttemptOutcome> {
  const observation = deps.observer?.start('provider', target.provider);
  if (!observation) return attemptOnce(request, timeoutMs, callerSignal, deps);
  observation.annotate({ 'gen_ai.request.model': target.model });
  let label = 'error';
  try {
    const outcome = await attemptOnce(request, timeoutMs, callerSignal, deps, observation.traceHeaders());
    const status = outcome.ok ? outcome.response.status : outcome.failure.kind === 'status' ? outcome.failure.status : undefined;
    if (status !== undefined) observation.annotate({ 'http.response.status_code': status });
    label = outcome.ok ? 'ok' : outcome.failure.kind === 'status' ? `http_${status}` : outcome.failure.kind;
    return outcome;
  } catch (error) {
    if (isAppError(error)) label = error.kind;
    throw error;
  } finally {
    observation.end(callerSignal?.aborted ? 'cancelled' : label);
  }
}

async function attemptOnce(
  request: ProviderRequest,
  timeoutMs: number,
  callerSignal: AbortSignal | undefined,
  deps: HttpDeps,
  traceHeaders?: Record<string, string>,
): Promise<AttemptOutcome> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new Error('attempt timed out')), timeoutMs);
  const signal = callerSignal ? AbortSignal.any([callerSignal, timeout.signal]) : timeout.signal;
  try {
    const response = await deps.fetch(request.url, {
      method: request.method ?? 'POST',
      headers: traceHeaders ? { ...request.headers, ...traceHeaders } : request.headers,
      body: request.body?.(),
      signal,
      // A redirect is answered as its status (a configuration error), never followed with our credentials.
      redirect: 'manual',
    });
    const body = await readLimited(response, request.maxResponseBytes);
    if (response.status >= 200 && response.status < 300) return { ok: true, response: { status: response.status, headers: response.headers, body } };
    return { ok: false, failure: { kind: 'status', status: response.status, headers: response.headers, body } };
  } catch (error) {
    if (isAppError(error)) throw error;
    if (timeout.signal.aborted) return { ok: false, failure: { kind: 'timeout' } };
    return { ok: false, failure: { kind: 'network', cause: error } };
  } finally {
    clearTimeout(timer);
  }
}

/** The body, refused (without reading on) once it passes maxBytes. */
async function readLimited(response: Response, maxBytes: number): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooBig(maxBytes);
  }
  if (!response.body) return Buffer.alloc(0);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooBig(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

function tooBig(maxBytes: number): AppError {
  return generationFailed(`the provider's response is larger than ${maxBytes} bytes`, { reason: 'INVALID_PROVIDER_OUTPUT' });
}

function meta(target: ProviderTarget, attempts: number, status?: number): Record<string, string> {
  return { model: target.model, provider: target.provider, attempts: String(attempts), ...(status !== undefined ? { http_status: String(status) } : {}) };
}

function outOfTime(target: ProviderTarget): AppError {
  return deadlineExceeded(`generation by model ${JSON.stringify(target.model)} did not finish within the client's deadline`);
}

/** The usual error bodies: OpenAI's {error: {message, code}}, {error: "..."}, {message}, {detail}; else the text. */
function explainDefault(status: number, body: Buffer): { message: string; promptRejected?: boolean } {
  const text = body.toString('utf8');
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    const error = json.error;
    const nested = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : undefined;
    const code = textOf(nested ? (nested.code ?? nested.type) : json.code);
    const message =
      stringOf(nested?.message) ||
      stringOf(error) ||
      stringOf(json.message) ||
      stringOf(json.detail) ||
      (json.detail !== undefined && JSON.stringify(json.detail)) ||
      stringOf(json.errors) ||
      text;
    return { message, promptRejected: /content_policy|moderation|safety|nsfw/i.test(code) };
  } catch {
    return { message: text || `HTTP ${status}` };
  }
}

function finalError(target: ProviderTarget, request: ProviderRequest, failure: Failure, attempts: number, now: number, retryAfterMs?: number): AppError {
  const who = `model ${JSON.stringify(target.model)} (${target.provider})`;
  const tries = attempts === 1 ? '' : ` after ${attempts} attempts`;
  if (failure.kind === 'timeout') {
    return generationFailed(`${who} did not answer in time${tries}`, { reason: 'PROVIDER_TIMEOUT', metadata: meta(target, attempts), retryAfterMs: 1000 });
  }
  if (failure.kind === 'network') {
    return generationFailed(`${who} could not be reached${tries}`, {
      reason: 'PROVIDER_UNREACHABLE',
      metadata: meta(target, attempts),
      retryAfterMs: 1000,
      cause: failure.cause,
    });
  }
  const { status } = failure;
  const explained = (request.explain ?? explainDefault)(status, failure.body);
  const said = providerMessage(explained.message, target.secrets) || `HTTP ${status}`;
  const metadata = meta(target, attempts, status);
  if (status === 429) {
    const wait = retryAfterMs ?? requestedDelayMs(failure.headers, now) ?? 1000;
    return generationFailed(`${who} is rate limited${tries}: ${said}`, { reason: 'PROVIDER_RATE_LIMITED', metadata, retryAfterMs: wait });
  }
  if (status >= 500 || status === 408) {
    return generationFailed(`${who} failed${tries} with HTTP ${status}: ${said}`, { reason: 'GENERATION_FAILED', metadata, retryAfterMs: retryAfterMs ?? 1000 });
  }
  if (status === 401 || status === 403) {
    return generationFailed(`${who} refused the configured credentials (HTTP ${status}): ${said}`, { reason: 'PROVIDER_AUTH_FAILED', metadata });
  }
  if (status === 400 || status === 413 || status === 422) {
    const reason = explained.promptRejected ? 'PROMPT_REJECTED' : 'PROVIDER_REJECTED_REQUEST';
    return generationRejected('prompt', `${who} rejected the request: ${said}`, reason, metadata);
  }
  return generationFailed(`${who} answered HTTP ${status}: ${said}`, { reason: 'GENERATION_FAILED', metadata });
}

function stringOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** An error code as text: providers send strings or numbers. */
function textOf(value: unknown): string {
  return typeof value === 'number' ? String(value) : stringOf(value);
}
