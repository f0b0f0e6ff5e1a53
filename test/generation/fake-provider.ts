import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import type { HttpDeps } from '../../src/generation/http/call-provider.js';

/** One request as the fake provider saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** Resolves when the client goes away before an answer was sent (aborted, timed out). */
  aborted: Promise<void>;
}

/** How the fake answers one request; the test scripts a queue of them. */
type Answer =
  | { kind: 'ok' }
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'garbage'; body?: Buffer | string; contentType?: string }
  /** Never answers (until the client gives up or the server closes). */
  | { kind: 'hang' }
  /** Answers `ok` once `release` resolves. */
  | { kind: 'held'; release: Promise<void> };

export interface FakeProvider {
  url: string;
  requests: SeenRequest[];
  /** Answers for the next requests, in order; when the queue is empty every request gets `ok`. */
  script(...answers: Answer[]): void;
  /** Successful answers sent so far. */
  answered: number;
  close(): Promise<void>;
}

/**
 * A local HTTP server implementing one provider's documented contract: `ok` runs the provider's own
 * success responder (which checks the request and returns real image bytes), anything else is a
 * scripted failure. Started by each test on port 0.
 */
export async function startFakeProvider(ok: (req: SeenRequest, res: ServerResponse) => Promise<void>): Promise<FakeProvider> {
  const queue: Answer[] = [];
  const fake: FakeProvider = {
    url: '',
    requests: [],
    answered: 0,
    script: (...answers) => void queue.push(...answers),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let finished = false;
    res.on('finish', () => (finished = true));
    const aborted = new Promise<void>((resolve) => res.on('close', () => !finished && resolve()));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen: SeenRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks), aborted };
      fake.requests.push(seen);
      const answer = queue.shift() ?? { kind: 'ok' };
      void answerWith(answer, seen, res).catch((e: unknown) => {
        if (!res.headersSent) sendJson(res, 599, { error: `fake provider failed: ${String(e)}` });
      });
    });
  });
  const answerWith = async (answer: Answer, seen: SeenRequest, res: ServerResponse) => {
    switch (answer.kind) {
      case 'ok':
        await ok(seen, res);
        fake.answered++;
        return;
      case 'held':
        await answer.release;
        await ok(seen, res);
        fake.answered++;
        return;
      case 'status':
        sendJson(res, answer.status, answer.body ?? { error: `status ${answer.status}` }, answer.headers);
        return;
      case 'garbage':
        res.writeHead(200, { 'content-type': answer.contentType ?? 'image/png' });
        res.end(answer.body ?? Buffer.from('this is not an image, just text pretending to be one'));
        return;
      case 'hang':
        return;
    }
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

/** A real PNG made with sharp. */
export function png(width = 64, height = 48, color = '#3a7bd5'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: color } }).png().toBuffer();
}

/** HTTP seams for contract tests: real fetch, waits recorded instead of slept, fixed jitter. */
export function recordingHttp(): HttpDeps & { waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    fetch: (input, init) => fetch(input, init),
    sleep: async (ms) => void waits.push(ms),
    random: () => 0.5,
    now: Date.now,
  };
}

/** The rejection of a promise that must reject. */
export async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
