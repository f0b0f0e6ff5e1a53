import { performance } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import {
  AppError,
  cancelled,
  deadlineExceeded,
  internalError,
  invalidImage,
  isAppError,
  overloaded,
  type ErrorKind,
} from '../errors/index.js';
import { AdmissionQueue } from './admission-queue.js';
import type { EncodedImage, ImageProcessor, PipelineSpec, ProbeResult, RunOptions } from './image-processor.js';
import { sniffFormat } from './sniff.js';
import { fromWireError, transferableCopy, type WorkerReply, type WorkerSettings, type WorkerTask } from './task-protocol.js';
import { workerEntry } from './worker-entry.js';

export interface WorkerPoolOptions {
  /** Worker threads, all started at once and kept alive. */
  threads: number;
  /** Operations in the workers at once (including ones whose caller has already given up). */
  maxConcurrentOperations: number;
  /** Operations waiting for a slot; beyond it calls fail at once with resource_exhausted. */
  maxQueue: number;
  /** Ceiling on one operation, queue time included, whatever the caller's deadline. */
  operationTimeoutMs: number;
  maxInputPixels: number;
  maxOutputDimension: number;
  /** Called once per operation when its caller gets the answer: for one structured log line. */
  onOperation?: (event: OperationEvent) => void;
  /** A worker thread failed outside any task (piscina replaces it); for the log. */
  onPoolError?: (error: unknown) => void;
}

export interface OperationEvent {
  operation: 'probe' | 'run';
  inputBytes: number;
  outputBytes: number;
  durationMs: number;
  outcome: 'ok' | ErrorKind;
}

export interface PoolStats {
  /** Operations holding a slot: running in a worker, or finishing after their caller gave up. */
  running: number;
  queued: number;
  /** Operations a worker finished, whatever the outcome. */
  completed: number;
  /** Calls refused without running: bad bytes, overload, deadline or cancellation while queued, shutdown. */
  rejected: number;
}

type Operation = OperationEvent['operation'];
type Abort = { why: 'deadline' | 'cancelled' };

/**
 * The ImageProcessor: every sharp pipeline runs in a piscina worker thread. In front of piscina sits
 * our own admission control (see AdmissionQueue) and deadline handling: queued work whose deadline
 * passes or whose signal aborts is dropped before it starts; running work is never interrupted by
 * killing its thread (a warm thread is worth more than the task), its caller is answered at once and
 * the worker's sharp timeout stops a runaway pipeline.
 */
export class WorkerPool implements ImageProcessor {
  readonly #options: WorkerPoolOptions;
  readonly #piscina: Piscina<WorkerTask, WorkerReply>;
  readonly #admission: AdmissionQueue;
  #closed = false;
  #completed = 0;
  #rejected = 0;

  constructor(options: WorkerPoolOptions) {
    this.#options = options;
    this.#admission = new AdmissionQueue(options.maxConcurrentOperations, options.maxQueue);
    const entry = workerEntry();
    const settings: WorkerSettings = { maxInputPixels: options.maxInputPixels, maxOutputDimension: options.maxOutputDimension };
    this.#piscina = new Piscina({
      filename: entry.filename,
      execArgv: entry.execArgv,
      minThreads: options.threads,
      maxThreads: options.threads,
      idleTimeout: Infinity,
      // Admission already bounds the work; this lets every admitted operation start at once (sharp is
      // asynchronous, so a thread can carry several) instead of waiting in piscina's own queue.
      concurrentTasksPerWorker: Math.ceil(options.maxConcurrentOperations / options.threads),
      workerData: settings,
    });
    // Without a listener, piscina's 'error' event (a thread dying between tasks) would crash the process.
    this.#piscina.on('error', (error: unknown) => options.onPoolError?.(error));
  }

  async probe(input: Uint8Array, field: string, options: RunOptions = {}): Promise<ProbeResult> {
    const reply = await this.#operate('probe', input, field, options, (task) => ({ ...task, type: 'probe' }));
    if (reply.type !== 'probe') throw internalError(`worker answered a probe with ${reply.type}`);
    return reply.probe;
  }

  async run(input: Uint8Array, spec: PipelineSpec, options: RunOptions = {}): Promise<EncodedImage> {
    const reply = await this.#operate('run', input, options.field ?? 'image', options, (task) => ({ ...task, type: 'run', spec }));
    if (reply.type !== 'run') throw internalError(`worker answered a run with ${reply.type}`);
    const { data } = reply.image;
    // The worker transferred this memory to us: wrap it, do not copy it.
    return { ...reply.image, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) };
  }

  stats(): PoolStats {
    return { running: this.#admission.running, queued: this.#admission.queued, completed: this.#completed, rejected: this.#rejected };
  }

  /** Refuses queued and later calls (unavailable) and ends the threads; running callers get unavailable too. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#admission.refuseAll(shuttingDown());
    await this.#piscina.destroy();
  }

  async #operate(
    operation: Operation,
    input: Uint8Array,
    field: string,
    options: RunOptions,
    makeTask: (base: Omit<WorkerTask, 'type'>) => WorkerTask,
  ): Promise<Extract<WorkerReply, { ok: true }>> {
    const started = performance.now();
    let outputBytes = 0;
    let outcome: OperationEvent['outcome'] = 'ok';
    try {
      const reply = await this.#submit(operation, input, field, options, makeTask);
      if (!reply.ok) throw fromWireError(reply.error);
      if (reply.type === 'run') outputBytes = reply.image.data.byteLength;
      return reply;
    } catch (error) {
      const appError = isAppError(error) ? error : this.#closed ? shuttingDown() : internalError(`${operation} failed in the worker pool`, error);
      outcome = appError.kind;
      throw appError;
    } finally {
      this.#report({ operation, inputBytes: input.byteLength, outputBytes, durationMs: performance.now() - started, outcome });
    }
  }

  async #submit(
    operation: Operation,
    input: Uint8Array,
    field: string,
    options: RunOptions,
    makeTask: (base: Omit<WorkerTask, 'type'>) => WorkerTask,
  ): Promise<WorkerReply> {
    const refuse = (error: AppError): never => {
      this.#rejected++;
      throw error;
    };
    if (this.#closed) return refuse(shuttingDown());
    if (input.byteLength === 0) return refuse(invalidImage(field, 'expected non-empty image bytes, received 0 bytes'));
    // Sniffed here, on the main thread: unknown bytes never take a queue slot.
    const format = sniffFormat(input);
    if (format === undefined) {
      return refuse(invalidImage(field, `expected image bytes (png, jpeg, webp, avif, gif, tiff, heif, svg, bmp), received ${input.byteLength} bytes of unknown data`));
    }

    const now = Date.now();
    const ceiling = now + this.#options.operationTimeoutMs;
    const clientDeadline = options.deadline ?? Infinity;
    const deadline = Math.min(clientDeadline, ceiling);
    const limitedBy = clientDeadline <= ceiling ? "the client's deadline" : `the ${this.#options.operationTimeoutMs} ms operation limit`;
    if (options.signal?.aborted) return refuse(cancelled(`${operation} was cancelled before it was queued`));
    if (deadline <= now) return refuse(deadlineExceeded(`${operation} arrived after ${limitedBy} had passed`));

    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort({ why: 'deadline' } satisfies Abort), deadline - now);
    const onCallerAbort = (): void => abort.abort({ why: 'cancelled' } satisfies Abort);
    options.signal?.addEventListener('abort', onCallerAbort, { once: true });
    let phase: 'queued' | 'running' = 'queued';
    try {
      const release = await this.#admission.acquire(abort.signal, () => this.#overloaded());
      phase = 'running';
      // A private copy whose memory is moved to the worker: the caller's buffer stays usable.
      const copy = transferableCopy(input);
      const task = makeTask({ input: copy, format, field, deadline });
      const running = this.#piscina.run(task, { transferList: [copy.buffer] });
      // The slot is held until the worker is done, even when the caller has stopped waiting.
      const settle = (): void => {
        this.#completed++;
        release();
      };
      running.then(settle, settle);
      return await untilAborted(running, abort.signal);
    } catch (error) {
      // Overload, shutdown or an abort before a slot came free: it never ran.
      if (phase === 'queued') this.#rejected++;
      if (!abort.signal.aborted) throw error;
      const where = phase === 'queued' ? 'while queued' : 'while running';
      throw (abort.signal.reason as Abort).why === 'deadline'
        ? deadlineExceeded(`${operation} did not finish within ${limitedBy} (stopped ${where})`)
        : cancelled(`${operation} was cancelled by the caller ${where}`);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  #overloaded(): AppError {
    const { maxConcurrentOperations, maxQueue } = this.#options;
    return overloaded(`image processing is at capacity (${maxConcurrentOperations} running, ${maxQueue} waiting); retry later`);
  }

  #report(event: OperationEvent): void {
    try {
      this.#options.onOperation?.(event);
    } catch {
      // A failing logger must not turn a finished operation into a failed one.
    }
  }
}

function shuttingDown(): AppError {
  return new AppError('unavailable', 'the image worker pool is shut down', { reason: 'SHUTTING_DOWN', retryAfterMs: 1000 });
}

/** Settles like `work`, or rejects as soon as `signal` aborts, leaving `work` to finish unobserved. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
