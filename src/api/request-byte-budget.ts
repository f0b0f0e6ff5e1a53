import { createContextKey } from '@connectrpc/connect';
import { overloaded } from '../errors/index.js';
import type { NodeHandler } from './node-handler.js';
import { toConnectError } from './to-connect-error.js';

/** One call's share of the budget: each body chunk is charged as it is read, all of it released when the call ends. */
export interface BodyAccount {
  /** Throws RESOURCE_EXHAUSTED (as a ConnectError, so every protocol answers it) when the budget cannot hold `bytes` more. */
  charge(bytes: number): void;
  /**
   * Gives back `bytes` of what the call was charged, for a streaming call that is done with one of its
   * messages (a ProcessBatch item answered): such a call holds only the messages it is still working
   * on, so charging it for every message it ever read would refuse a long stream that holds little.
   * Never gives back more than the call was charged.
   */
  settle(bytes: number): void;
  release(): void;
}

/** The call's account, in its context values, for handlers of streaming requests to settle. */
export const requestBodyAccount = createContextKey<BodyAccount | undefined>(undefined, { description: 'request body byte account' });

const accounts = new WeakMap<object, BodyAccount>();

/** The account `withRequestByteBudget` opened for a request on the adapter's path. */
export function bodyAccountOf(req: object): BodyAccount | undefined {
  return accounts.get(req);
}

/**
 * A bound on the request body bytes held by calls in progress, across every connection and both entry
 * points (gRPC from the bare HTTP/2 stream, and the connect adapter). A call holds what it has read
 * until it ends, since its handler keeps the message (an image) until then; per-connection limits alone
 * let many connections together exhaust memory.
 */
export class RequestByteBudget {
  private held = 0;

  constructor(readonly maxBytes: number) {}

  /** Bytes charged to calls still in progress. */
  get heldBytes(): number {
    return this.held;
  }

  open(): BodyAccount {
    let mine = 0;
    return {
      charge: (bytes) => {
        if (this.held + bytes > this.maxBytes) {
          throw toConnectError(
            overloaded(`request bodies in progress would exceed MAX_BUFFERED_BYTES: limit is ${this.maxBytes} bytes, ${this.held} held, ${bytes} more arriving; retry later`),
          );
        }
        this.held += bytes;
        mine += bytes;
      },
      settle: (bytes) => {
        const back = Math.min(Math.max(bytes, 0), mine);
        this.held -= back;
        mine -= back;
      },
      release: () => {
        this.held -= mine;
        mine = 0;
      },
    };
  }
}

/** `body`, charging each chunk to `account` as it is read. */
export function meteredBody(body: AsyncIterable<Uint8Array>, account: BodyAccount): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]: () => {
      const chunks = body[Symbol.asyncIterator]();
      return {
        next: async () => {
          const chunk = await chunks.next();
          if (!chunk.done) account.charge(chunk.value.byteLength);
          return chunk;
        },
        return: (value?: unknown) => chunks.return?.(value) ?? Promise.resolve({ done: true as const, value }),
      };
    },
  };
}

/**
 * The budget on the adapter's path: connect-node reads a request body by iterating the Node request,
 * so that iterator is metered, and the call's share released when its response closes.
 */
export function withRequestByteBudget(handler: NodeHandler, budget: RequestByteBudget): NodeHandler {
  return (req, res) => {
    const account = budget.open();
    accounts.set(req, account);
    const read = req[Symbol.asyncIterator].bind(req) as () => AsyncIterator<Uint8Array>;
    Object.defineProperty(req, Symbol.asyncIterator, {
      configurable: true,
      value: () => meteredBody({ [Symbol.asyncIterator]: read }, account)[Symbol.asyncIterator](),
    });
    res.once('close', () => account.release());
    handler(req, res);
  };
}
