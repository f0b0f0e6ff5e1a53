import { MessageChannel } from 'node:worker_threads';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors/index.js';
import { fromWireError, toWireError, transferableCopy } from '../../src/imaging/task-protocol.js';

/** Posts `data` through a MessageChannel with its buffer in the transfer list; resolves when received. */
async function postTransferring(data: Uint8Array): Promise<Uint8Array> {
  const { port1, port2 } = new MessageChannel();
  try {
    const received = new Promise<Uint8Array>((resolve) => port2.once('message', resolve));
    port1.postMessage(data, [data.buffer as ArrayBuffer]);
    return await received;
  } finally {
    port1.close();
  }
}

describe('task protocol', () => {
  it("moves a transferable copy of sharp's output, which itself would only be cloned", async () => {
    const output = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#f00' } }).png().toBuffer();
    const size = output.byteLength;
    await postTransferring(output);
    // Node's behaviour that makes the copy necessary: external memory stays with the sender (cloned).
    expect(output.buffer.byteLength).toBe(size);
    const copy = transferableCopy(output);
    const received = await postTransferring(copy);
    expect(copy.buffer.byteLength).toBe(0);
    expect(Buffer.from(received).equals(output)).toBe(true);
  });

  it('rebuilds an AppError with its kind, reason, violations and metadata', () => {
    const original = new AppError('resource_exhausted', 'image: limit is 1 pixels, received 2', {
      reason: 'PIXEL_LIMIT_EXCEEDED',
      violations: [{ field: 'image', description: 'too big' }],
      metadata: { limit: '1' },
      retryAfterMs: 5,
      cause: new Error('sharp said so'),
    });
    const wire = structuredClone(toWireError(original));
    const rebuilt = fromWireError(wire);
    expect(rebuilt).toBeInstanceOf(AppError);
    expect(rebuilt).toMatchObject({ kind: 'resource_exhausted', reason: 'PIXEL_LIMIT_EXCEEDED', message: original.message, retryAfterMs: 5 });
    expect(rebuilt.violations).toEqual(original.violations);
    expect(rebuilt.metadata).toEqual({ limit: '1' });
    expect(rebuilt.cause).toBe('sharp said so');
  });
});
