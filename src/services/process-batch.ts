import { AppError, cancelled, deadlineExceeded, internalError, invalidArgument, tooLarge } from '../errors/index.js';
import type { EncodedImage, ImageProcessor, PipelineSpec } from '../imaging/image-processor.js';
import { mapInCompletionOrder } from '../util/map-in-completion-order.js';
import { untilAborted } from '../util/until-aborted.js';
import type { CallOptions } from './call-options.js';

/** Read-only access to stored images (the ImageService's assets), for items that name one. */
export interface ImageSource {
  /** Within the caller's tenant (the call carries its principal). */
  read(imageId: string, call: CallOptions): Promise<{ data: Uint8Array }>;
}

export interface BatchItem {
  /** The caller's id, echoed in the result. */
  id: string;
  /** The bytes, a stored image, or nothing (the caller sent neither). */
  input: { data: Uint8Array } | { imageId: string } | undefined;
  /**
   * The pipeline for this input (an output format left empty keeps the input's, which is why it waits
   * for the bytes); throws an AppError naming the field for a bad configuration.
   */
  spec(input: Uint8Array): PipelineSpec;
}

export type BatchResult = { id: string; image: EncodedImage; error?: undefined } | { id: string; error: unknown; image?: undefined };

export interface BatchLimits {
  /** Items of one stream being read, processed or waiting to be sent at once. */
  maxInFlight: number;
  /** Items one stream may carry. */
  maxItems: number;
}

const MAX_ID_LENGTH = 256;

/**
 * Runs each item through the pool as it arrives and yields its result as soon as it is done, in
 * completion order. A failing item is a result of its own (its error is the caller's to map) and the
 * rest go on. At most `maxInFlight` items are held at once, from the read of their request to the
 * consumer taking their result: while full no request is read, so a client that sends faster than the
 * pool works, or reads results slower, is held back by HTTP/2 flow control instead of by memory here.
 *
 * The call's deadline and cancellation end the whole stream: queued items are dropped before they
 * start, running ones are left to finish unobserved, and the stream ends with DEADLINE_EXCEEDED or
 * CANCELLED rather than with one error result per item. Past `maxItems`, reading stops; the items
 * already read are answered, then the stream ends with RESOURCE_EXHAUSTED.
 */
export async function* processBatch(
  items: AsyncIterable<BatchItem>,
  deps: { images: ImageProcessor; stored: ImageSource; limits: BatchLimits },
  call: CallOptions,
): AsyncGenerator<BatchResult> {
  const ended: { error?: Error } = {};

  const run = async ({ item, refused }: Accepted, _index: number, signal: AbortSignal | undefined): Promise<BatchResult> => {
    try {
      if (refused) throw refused;
      const data = await inputOf(item, deps.stored, call);
      const spec = item.spec(data);
      const field = item.input && 'imageId' in item.input ? 'image_id' : 'image_data';
      // The request message is not read again: its bytes may move to the worker instead of being copied.
      const image = await deps.images.run(data, spec, { signal, deadline: call.deadline, field, giveInput: field === 'image_data' });
      return { id: item.id, image };
    } catch (error) {
      // The stream is over: its own end says why, once, instead of every item.
      if (signal?.aborted || streamEnd(call)) throw error;
      return { id: item.id, error };
    }
  };

  try {
    const results = mapInCompletionOrder(accepted(items, deps.limits.maxItems, call.signal, ended), run, {
      concurrency: deps.limits.maxInFlight,
      signal: call.signal,
      stopReason: () => cancelled('the batch stream ended'),
    });
    for await (const { value } of results) yield value;
  } catch (error) {
    throw streamEnd(call) ?? error;
  }
  if (ended.error !== undefined) throw ended.error;
}

interface Accepted {
  item: BatchItem;
  /** Why the item is refused before any work: its id. */
  refused?: AppError;
}

/**
 * The requests as items, each with its id checked (present, short, unique within the stream: results
 * are told apart by it). Reading stops at the item after `maxItems`, which is not processed, or at a
 * request that cannot be read; the error is left in `ended`, so the stream ends with it once the items
 * before it are answered. A pending read gives up when the signal aborts: a client that goes quiet must
 * not hold the stream past its deadline.
 */
async function* accepted(items: AsyncIterable<BatchItem>, maxItems: number, signal: AbortSignal | undefined, ended: { error?: Error }): AsyncGenerator<Accepted> {
  const iterator = items[Symbol.asyncIterator]();
  const seen = new Set<string>();
  try {
    for (let count = 0; ; count++) {
      let next: IteratorResult<BatchItem>;
      try {
        next = await (signal ? untilAborted(iterator.next(), signal) : iterator.next());
      } catch (error) {
        if (signal?.aborted) throw error;
        // A request that cannot be read (one over MAX_MESSAGE_BYTES): the items already read are
        // still answered before the stream ends with it.
        ended.error = error instanceof Error ? error : internalError('the batch stream could not be read', error);
        return;
      }
      if (next.done) return;
      if (count === maxItems) {
        const unread = `item ${JSON.stringify(next.value.id)} and any after it were not processed; send them on a new stream`;
        ended.error = tooLarge('items in one ProcessBatch stream (MAX_BATCH_ITEMS)', String(maxItems), `more (${unread})`, 'BATCH_ITEM_LIMIT');
        return;
      }
      yield { item: next.value, refused: idError(next.value.id, seen) };
    }
  } finally {
    // Not awaited: after an abort the request stream may still be waiting for a message.
    void iterator.return?.()?.catch(() => undefined);
  }
}

function idError(id: string, seen: Set<string>): AppError | undefined {
  const expected = `an id of 1 to ${MAX_ID_LENGTH} characters, unique within the stream`;
  if (!id || id.length > MAX_ID_LENGTH) return invalidArgument('id', expected, id.length > MAX_ID_LENGTH ? `${id.length} characters` : id);
  if (seen.has(id)) return invalidArgument('id', `${expected} (an earlier item has this one)`, id);
  seen.add(id);
  return undefined;
}

async function inputOf(item: BatchItem, stored: ImageSource, call: CallOptions): Promise<Uint8Array> {
  if (!item.input) throw invalidArgument('image_data', "the item's image: bytes in image_data or a stored image's id in image_id", undefined);
  return 'data' in item.input ? item.input.data : (await stored.read(item.input.imageId, call)).data;
}

/** Why the whole stream ended, when the call did: its deadline passed or its client went away. */
function streamEnd(call: CallOptions): AppError | undefined {
  if (call.deadline !== undefined && Date.now() >= call.deadline) return deadlineExceeded("the batch stream did not finish within the client's deadline");
  if (call.signal?.aborted) return cancelled('the batch stream was cancelled by the client');
  return undefined;
}
