import * as grpc from '@grpc/grpc-js';
import { create, fromBinary, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { VariationConfigSchema } from '../gen/image/v1/operations_pb.js';
import {
  ProcessBatchRequestSchema,
  ProcessBatchResponseSchema,
  type ProcessBatchResponse,
} from '../gen/image/v1/processing_service_pb.js';

const PROCESS_BATCH = '/image.v1.ProcessingService/ProcessBatch';
/** Well under the server's default MAX_BATCH_ITEMS (10,000): a long run moves to a fresh stream. */
const ITEMS_PER_STREAM = 5_000;

interface Waiting {
  resolve: (data: Uint8Array) => void;
  reject: (error: Error) => void;
}

interface OpenStream {
  call: grpc.ClientDuplexStream<Buffer, ProcessBatchResponse>;
  /** Its items not answered yet, by id. */
  waiting: Map<string, Waiting>;
  sent: number;
}

/**
 * ProcessBatch as a closed-loop task: `process` sends one pre-encoded item (everything but its id) on
 * the open stream and resolves with that item's image once its result comes back, whatever the order.
 * The id is prepended as its own encoded field (protobuf merges concatenated messages), so the photo
 * is not serialised again per item, only copied once into the frame.
 */
export class BatchStream {
  readonly #client: grpc.Client;
  #open: OpenStream | undefined;
  #next = 0;

  constructor(client: grpc.Client) {
    this.#client = client;
  }

  /** An item's request without its id, encoded before the clock starts. */
  static encode(init: Parameters<typeof create<typeof ProcessBatchRequestSchema>>[1]): Buffer {
    const bytes = toBinary(ProcessBatchRequestSchema, create(ProcessBatchRequestSchema, { ...init, id: '' }));
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Each of `inputs` as an item of `config`: the item's own id tags its result, the configuration's stays empty. */
  static encodeItems(inputs: readonly Uint8Array[], config: MessageInitShape<typeof VariationConfigSchema>): Buffer[] {
    const emptied = create(VariationConfigSchema, { ...config, id: '' });
    return inputs.map((imageData) => BatchStream.encode({ source: { case: 'imageData', value: imageData }, config: emptied }));
  }

  process(itemWithoutId: Buffer): Promise<Uint8Array> {
    if (!this.#open || this.#open.sent >= ITEMS_PER_STREAM) {
      // The previous stream finishes the items it carries, then ends.
      this.close();
      this.#open = this.#start();
    }
    const stream = this.#open;
    const id = String(this.#next++);
    const idField = toBinary(ProcessBatchRequestSchema, create(ProcessBatchRequestSchema, { id }));
    stream.sent++;
    return new Promise((resolve, reject) => {
      stream.waiting.set(id, { resolve, reject });
      stream.call.write(Buffer.concat([idField, itemWithoutId]));
    });
  }

  /** Ends the open stream once its items are answered. */
  close(): void {
    this.#open?.call.end();
    this.#open = undefined;
  }

  #start(): OpenStream {
    const call = this.#client.makeBidiStreamRequest(
      PROCESS_BATCH,
      (b: Buffer) => b,
      (b: Buffer) => fromBinary(ProcessBatchResponseSchema, b),
      new grpc.Metadata(),
      {},
    );
    const waiting = new Map<string, Waiting>();
    call.on('data', (message: ProcessBatchResponse) => {
      const item = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.result.case === 'image') item?.resolve(message.result.value.data);
      else item?.reject(new Error(`item ${message.id}: ${message.result.value?.message ?? 'no result'}`));
    });
    call.on('error', () => undefined);
    // Whatever the stream carried and did not answer fails with its status.
    call.on('status', (status: grpc.StatusObject) => {
      for (const [id, item] of waiting) item.reject(Object.assign(new Error(`item ${id}: ${status.details || 'the stream ended without its result'}`), { code: status.code, details: status.details }));
      waiting.clear();
    });
    return { call, waiting, sent: 0 };
  }
}
