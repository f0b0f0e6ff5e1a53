import { create } from '@bufbuild/protobuf';
import { describe, expect, it, vi } from 'vitest';
import { UploadImageStreamRequestSchema, type UploadImageStreamRequest } from '../../gen/image/v1/image_service_pb.js';
import { collectUpload } from '../../src/api/collect-upload.js';
import { isAppError, type AppError } from '../../src/errors/index.js';
import { ByteBudget } from '../../src/util/byte-budget.js';

const header = (totalSize = 0n): UploadImageStreamRequest => create(UploadImageStreamRequestSchema, { part: { case: 'header', value: { filename: 'a.png', totalSize } } });
const chunk = (bytes: number): UploadImageStreamRequest => create(UploadImageStreamRequestSchema, { part: { case: 'chunk', value: new Uint8Array(bytes) } });

/** A stream that yields `first`, then waits for `gate` before yielding `rest`, recording how far it got. */
function stream(first: UploadImageStreamRequest[], rest: UploadImageStreamRequest[] = [], gate: Promise<void> = Promise.resolve()) {
  const sent = { count: 0 };
  async function* messages() {
    for (const m of first) {
      sent.count++;
      yield m;
    }
    await gate;
    for (const m of rest) {
      sent.count++;
      yield m;
    }
  }
  return { messages: messages(), sent };
}

async function refusal(call: Promise<unknown>): Promise<AppError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

describe('collectUpload', () => {
  it('holds the bytes against the shared budget until the upload is used, then gives them back', async () => {
    const budget = new ByteBudget(10_000);
    const held: number[] = [];
    const size = await collectUpload(stream([header(), chunk(3000), chunk(4000)]).messages, { maxBytes: 8000, inFlight: budget }, async ({ data }) => {
      held.push(budget.held);
      return data.byteLength;
    });
    expect(size).toBe(7000);
    expect(held).toEqual([7000]);
    expect(budget.held).toBe(0);
  });

  it('refuses a declared total_size over the limit before reading a chunk', async () => {
    const budget = new ByteBudget(10_000);
    const { messages, sent } = stream([header(9000n)], [chunk(1000)]);
    const error = await refusal(collectUpload(messages, { maxBytes: 8000, inFlight: budget }, async () => undefined));
    expect(error.kind).toBe('resource_exhausted');
    expect(error.reason).toBe('UPLOAD_TOO_LARGE');
    expect(error.message).toBe('header.total_size: limit is 8000 bytes, received 9000 bytes');
    expect(sent.count).toBe(1);
    expect(budget.held).toBe(0);
  });

  it('refuses a second upload the budget cannot hold before its first chunk, while the first is held', async () => {
    const budget = new ByteBudget(10_000);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const first = stream([header(6000n), chunk(1000)], [chunk(5000)], gate);
    const firstDone = collectUpload(first.messages, { maxBytes: 8000, inFlight: budget }, async ({ data }) => data.byteLength);
    // The first has declared 6000 bytes and is waiting for the rest of them.
    await vi.waitFor(() => expect(budget.held).toBe(6000));
    const second = stream([header(6000n)], [chunk(6000)]);
    const error = await refusal(collectUpload(second.messages, { maxBytes: 8000, inFlight: budget }, async () => undefined));
    expect(error.kind).toBe('resource_exhausted');
    expect(error.reason).toBe('OVERLOADED');
    expect(error.retryAfterMs).toBeGreaterThan(0);
    expect(error.message).toBe('uploads in progress hold 6000 of the 10000 bytes they may (MAX_UPLOAD_BYTES_IN_FLIGHT); retry later');
    expect(second.sent.count).toBe(1);
    open();
    await expect(firstDone).resolves.toBe(6000);
    expect(budget.held).toBe(0);
    // With the first one done there is room again.
    await expect(collectUpload(stream([header(6000n), chunk(6000)]).messages, { maxBytes: 8000, inFlight: budget }, async ({ data }) => data.byteLength)).resolves.toBe(6000);
  });

  it('counts undeclared uploads chunk by chunk, and stops at the chunk the budget cannot hold', async () => {
    const budget = new ByteBudget(10_000);
    budget.tryTake(7000);
    const { messages, sent } = stream([header(), chunk(2000), chunk(2000), chunk(2000)]);
    const error = await refusal(collectUpload(messages, { maxBytes: 8000, inFlight: budget }, async () => undefined));
    expect(error.reason).toBe('OVERLOADED');
    expect(sent.count).toBe(3);
    expect(budget.held).toBe(7000);
  });

  it('gives the bytes back when the use fails', async () => {
    const budget = new ByteBudget(10_000);
    await expect(collectUpload(stream([header(), chunk(100)]).messages, { maxBytes: 8000, inFlight: budget }, async () => Promise.reject(new Error('store failed')))).rejects.toThrow('store failed');
    expect(budget.held).toBe(0);
  });
});
