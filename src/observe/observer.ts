import type { CacheEvents } from '../util/result-cache.js';
import type { OperationEvent, PoolStats } from '../imaging/worker-pool.js';

/** What is observed as a call: an RPC served, and the database, blob-store and provider calls made for it. */
export type CallKind = 'rpc' | 'database' | 'blob' | 'provider';

/** How a call ended: 'ok' (an RPC: 'OK'), else its error's code (an RPC code, an error kind, an HTTP status). */
export type Outcome = string;

/** One call being observed. */
export interface Observation {
  /** Runs fn with this call current: the calls and pool work fn starts are its children in a trace. */
  within<T>(fn: () => T): T;
  /** W3C trace-context headers naming this call, for an outgoing request; none when not tracing. */
  traceHeaders(): Record<string, string>;
  /** Adds details to the call's span (a status, a size); ignored when not tracing. */
  annotate(attributes: Record<string, string | number | boolean>): void;
  /** Ends it: counts the outcome and the duration. Only the first end counts. */
  end(outcome: Outcome): void;
}

/**
 * What the service tells about its work, for metrics and traces. Cores and stores know only this
 * interface (metrics and tracing libraries stay in src/observe/), and run without one when neither metrics nor traces are on.
 */
export interface Observer {
  /**
   * Starts observing a call of `kind` named `name` (the RPC method, the store operation, the provider).
   * `incoming`: the caller's headers, whose W3C traceparent the call continues (RPCs).
   */
  start(kind: CallKind, name: string, incoming?: Headers): Observation;
  /** A pool operation answered: its queue wait, run time, pixels and bytes. Called in its caller's context. */
  poolOperation(event: OperationEvent): void;
  /** Where the pool's occupancy is read, whenever metrics are collected. */
  watchPool(read: () => PoolStats, capacity: number): void;
  /** The events of one named cache (hits, misses, evictions, size). */
  cache(name: string): CacheEvents;
}
