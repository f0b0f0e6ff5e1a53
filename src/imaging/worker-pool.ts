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
import { declaredSize } from './declared-size.js';
import { pixelLimitError } from './check-pixels.js';
import { checkOutputPixels, planEitherWay, type Size } from './plan-pixels.js';
import type { CompositeSpec, EncodedImage, ImageProcessor, PipelineSpec, ProbeResult, RunOptions } from './image-processor.js';
import type { InputFormat } from './image-formats.js';
import { sniffFormat } from './sniff.js';
import type { ComputationName, ComputationParams, ComputationResult } from './computation-types.js';
import { fromWireError, transferableCopy, type CompositeTask, type WorkerReply, type WorkerSettings, type WorkerTask } from './task-protocol.js';
import { workerEntry } from './worker-entry.js';
import { untilAborted } from '../util/until-aborted.js';

export interface WorkerPoolOptions {
  /** Worker threads, all started at once and kept alive. */
  threads: number;
  /** Operations in the workers at once (including ones whose caller has already given up). */
  maxConcurrentOperations: number;
  /**
   * Input pixels (as their headers declare them) of the operations in the workers at once: large images
   * hold far more memory each, so fewer of them run together. One image over the budget runs alone.
   * Default: no bound beyond maxConcurrentOperations.
   */
  maxPixelsInFlight?: number;
  /** Operations waiting for a slot; beyond it calls fail at once with resource_exhausted. */
  maxQueue: number;
  /** Ceiling on one operation, queue time included, whatever the caller's deadline. */
  operationTimeoutMs: number;
  maxInputPixels: number;
  /**
   * Largest image a pipeline may make (width x height), planned from the steps before any work; also
   * what admission weighs when it is more than the input. Default maxInputPixels.
   */
  maxOutputPixels?: number;
  maxOutputDimension: number;
  /** Largest SVG input in bytes; SVG is sanitised as a document before sharp sees it. Default 2 MiB. */
  maxSvgBytes?: number;
  /** Elements an SVG may draw, references drawn as often as they are referenced (see svg-complexity.ts). Default 100000. */
  maxSvgElements?: number;
  /** Nesting of an SVG's elements. Default 50, librsvg's own limit of nested layers. */
  maxSvgDepth?: number;
  /**
   * Encoder time one AVIF request may take, by the measured encoder rates in avif-effort.ts:
   * libaom cannot be stopped once it runs. Default 15000.
   */
  avifBudgetMs?: number;
  /** Called once per operation when its caller gets the answer: for one structured log line. */
  onOperation?: (event: OperationEvent) => void;
  /** A worker thread failed outside any task (piscina replaces it); for the log. */
  onPoolError?: (error: unknown) => void;
}

export interface OperationEvent {
  operation: 'probe' | 'run' | 'composite' | `compute:${string}`;
  inputBytes: number;
  outputBytes: number;
  /** Input pixels as the admission weighed them (declared by the headers, or an average share). */
  pixels: number;
  durationMs: number;
  /** Time waiting for a slot, when it reached the queue. */
  waitMs?: number;
  /** Time from its slot to its caller's answer, when it ran. */
  runMs?: number;
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
/** The fields every single-input task shares, which #operate's callers complete into a task. */
type SingleInputBase = Omit<Exclude<WorkerTask, CompositeTask>, 'type'>;
/** Bytes to send to a worker, and the request field they came from. */
type TaskInput = { data: Uint8Array; field: string; given?: boolean };
type Prepared = { inputs: Uint8Array[]; formats: InputFormat[]; deadline: number };
/**
 * The most pixels an operation will hold at once by its plan (its input, what it resamples, what it
 * makes), from the inputs' declared sizes (undefined when the main thread cannot read one); throws
 * when a planned size is over the output limit.
 */
type Plan = (declared: (Size | undefined)[]) => number;
type Abort = { why: 'deadline' | 'cancelled' };
/** What #submit learns on the way, for the operation's event. */
type Progress = { pixels: number; queuedAt?: number; admittedAt?: number };

const DEFAULT_AVIF_BUDGET_MS = 15_000;
const DEFAULT_MAX_SVG_BYTES = 2 * 1024 * 1024;
const DEFAULT_MAX_SVG_ELEMENTS = 100_000;
const DEFAULT_MAX_SVG_DEPTH = 50;
const NOTHING_PLANNED: Plan = () => 0;

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
  readonly #undeclaredPixels: number;
  #closed = false;
  #completed = 0;
  #rejected = 0;

  constructor(options: WorkerPoolOptions) {
    this.#options = options;
    this.#admission = new AdmissionQueue(options.maxConcurrentOperations, options.maxQueue, options.maxPixelsInFlight);
    // An image whose header this thread cannot read (AVIF, TIFF, ...) counts as an average share.
    this.#undeclaredPixels = (options.maxPixelsInFlight ?? 0) / options.maxConcurrentOperations;
    const entry = workerEntry();
    const settings: WorkerSettings = {
      maxInputPixels: options.maxInputPixels,
      maxOutputPixels: this.#maxOutputPixels,
      maxOutputDimension: options.maxOutputDimension,
      maxSvgBytes: options.maxSvgBytes ?? DEFAULT_MAX_SVG_BYTES,
      maxSvgElements: options.maxSvgElements ?? DEFAULT_MAX_SVG_ELEMENTS,
      maxSvgDepth: options.maxSvgDepth ?? DEFAULT_MAX_SVG_DEPTH,
      avifBudgetMs: options.avifBudgetMs ?? DEFAULT_AVIF_BUDGET_MS,
    };
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

  get #maxOutputPixels(): number {
    return this.#options.maxOutputPixels ?? this.#options.maxInputPixels;
  }

  async probe(input: Uint8Array, field: string, options: RunOptions = {}): Promise<ProbeResult> {
    const reply = await this.#operate('probe', input, field, options, NOTHING_PLANNED, (task) => ({ ...task, type: 'probe' }));
    if (reply.type !== 'probe') throw internalError(`worker answered a probe with ${reply.type}`);
    return reply.probe;
  }

  /**
   * Runs a pipeline. Its sizes are planned from the input's declared size before it is queued: a plan
   * over maxOutputPixels is refused there (the worker plans again from the real header before
   * decoding), and the largest planned size is what admission weighs when it is more than the input.
   */
  async run(input: Uint8Array, spec: PipelineSpec, options: RunOptions = {}): Promise<EncodedImage> {
    const orient = spec.autoOrient !== false || spec.steps.some((s) => s.op === 'autoOrient');
    const plan: Plan = ([declared]) => planEitherWay(spec.steps, declared, orient, this.#maxOutputPixels).peakPixels;
    const reply = await this.#operate('run', input, options.field ?? 'image', options, plan, (task) => ({ ...task, type: 'run', spec }));
    if (reply.type !== 'run') throw internalError(`worker answered a run with ${reply.type}`);
    const { data } = reply.image;
    // The worker transferred this memory to us: wrap it, do not copy it.
    return { ...reply.image, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) };
  }

  /**
   * Draws the layers over a canvas in one worker task; every layer's bytes are copied and moved there
   * with the task. Each layer's field (default `layers[<index>]`) is named in its errors.
   */
  async composite(spec: CompositeSpec, options: RunOptions = {}): Promise<EncodedImage> {
    const inputs = spec.layers.map((layer, i) => ({ data: layer.input, field: layer.field ?? `layers[${i}]` }));
    const wire = { ...spec, layers: spec.layers.map(({ input: _input, ...layer }) => layer) };
    const plan: Plan = () => {
      checkOutputPixels('canvas', spec.width, spec.height, this.#maxOutputPixels);
      return spec.width * spec.height;
    };
    const reply = await this.#operateMany('composite', inputs, options, plan, ({ inputs: copies, formats, deadline }) => ({
      type: 'composite',
      inputs: copies,
      formats,
      spec: wire,
      deadline,
    }));
    if (reply.type !== 'run') throw internalError(`worker answered a composite with ${reply.type}`);
    const { data } = reply.image;
    return { ...reply.image, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) };
  }

  /**
   * Runs a named computation (see computation-types.ts) on the image in a worker and returns its
   * structured-clonable result: palette extraction, analysis, anything that reads pixels and returns
   * numbers rather than an image.
   */
  async compute<K extends ComputationName>(input: Uint8Array, kind: K, params: ComputationParams<K>, options: RunOptions = {}): Promise<ComputationResult<K>> {
    const reply = await this.#operate(`compute:${kind}`, input, options.field ?? 'image', options, NOTHING_PLANNED, (task) => ({ ...task, type: 'compute', kind, params }));
    if (reply.type !== 'compute') throw internalError(`worker answered a computation with ${reply.type}`);
    return reply.result as ComputationResult<K>;
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

  #operate(
    operation: Operation,
    input: Uint8Array,
    field: string,
    options: RunOptions,
    plan: Plan,
    makeTask: (base: SingleInputBase) => WorkerTask,
  ): Promise<Extract<WorkerReply, { ok: true }>> {
    return this.#operateMany(operation, [{ data: input, field, given: options.giveInput }], options, plan, ({ inputs, formats, deadline }) =>
      makeTask({ input: inputs[0], format: formats[0], field, deadline, ...(options.ownSvg ? { ownSvg: true } : {}) }),
    );
  }

  async #operateMany(
    operation: Operation,
    inputs: TaskInput[],
    options: RunOptions,
    plan: Plan,
    makeTask: (prepared: Prepared) => WorkerTask,
  ): Promise<Extract<WorkerReply, { ok: true }>> {
    const started = performance.now();
    // Read now: an input given to the worker reads as empty once it has moved.
    const inputBytes = inputs.reduce((sum, input) => sum + input.data.byteLength, 0);
    let outputBytes = 0;
    let outcome: OperationEvent['outcome'] = 'ok';
    const progress: Progress = { pixels: 0 };
    try {
      const reply = await this.#submit(operation, inputs, options, plan, makeTask, progress);
      if (!reply.ok) throw fromWireError(reply.error);
      if (reply.type === 'run') outputBytes = reply.image.data.byteLength;
      return reply;
    } catch (error) {
      const appError = isAppError(error) ? error : this.#closed ? shuttingDown() : internalError(`${operation} failed in the worker pool`, error);
      outcome = appError.kind;
      throw appError;
    } finally {
      const { pixels, queuedAt, admittedAt } = progress;
      const ended = performance.now();
      this.#report({
        operation,
        inputBytes,
        outputBytes,
        pixels,
        durationMs: ended - started,
        waitMs: queuedAt === undefined ? undefined : (admittedAt ?? ended) - queuedAt,
        runMs: admittedAt === undefined ? undefined : ended - admittedAt,
        outcome,
      });
    }
  }

  async #submit(
    operation: Operation,
    inputs: TaskInput[],
    options: RunOptions,
    plan: Plan,
    makeTask: (prepared: Prepared) => WorkerTask,
    progress: Progress,
  ): Promise<WorkerReply> {
    const refuse = (error: AppError): never => {
      this.#rejected++;
      throw error;
    };
    if (this.#closed) return refuse(shuttingDown());
    const formats: InputFormat[] = [];
    const sizes: (Size | undefined)[] = [];
    let pixels = 0;
    for (const { data, field } of inputs) {
      if (data.byteLength === 0) return refuse(invalidImage(field, 'expected non-empty image bytes, received 0 bytes'));
      // Sniffed here, on the main thread: unknown bytes never take a queue slot.
      const format = sniffFormat(data);
      if (format === undefined) {
        return refuse(invalidImage(field, `expected image bytes (png, jpeg, webp, avif, gif, tiff, heif, svg, bmp), received ${data.byteLength} bytes of unknown data`));
      }
      formats.push(format);
      const size = declaredSize(data, format);
      const declared = size && size.width * size.height;
      const { maxInputPixels } = this.#options;
      // A decompression bomb is refused here, from its header, without waiting for a slot (its weight
      // would otherwise hold the queue until the pool has emptied to run it alone).
      if (size?.checked && size.width * size.height > maxInputPixels) return refuse(pixelLimitError(size.width, size.height, 1, { field, maxInputPixels }));
      // A size nothing around it vouches for (GIF, BMP: text after the signature reads as some size) counts
      // as an average share when it is over the limit; the worker says whether the bytes are an image at all.
      pixels += declared !== undefined && declared <= maxInputPixels ? declared : this.#undeclaredPixels;
      sizes.push(size?.checked ? size : undefined);
    }
    try {
      // A pipeline that would make more than the output limit is refused before it takes a slot, and
      // one that makes more than it reads weighs what it makes.
      pixels = Math.max(pixels, plan(sizes));
    } catch (error) {
      return refuse(isAppError(error) ? error : internalError(`${operation} could not be planned`, error));
    }

    progress.pixels = pixels;
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
      progress.queuedAt = performance.now();
      const release = await this.#admission.acquire(abort.signal, () => this.#overloaded(), pixels);
      progress.admittedAt = performance.now();
      phase = 'running';
      // Memory moved to the worker: the caller's own when given (see movable), else private copies, so
      // the caller's buffers stay usable.
      // The same bytes under several inputs (a stored image used by several composite layers) are copied
      // and moved once: structured cloning keeps every use pointing at the one copy.
      const moved = new Map<Uint8Array, Uint8Array<ArrayBuffer>>();
      const copies = inputs.map(({ data, given }) => {
        let copy = moved.get(data);
        if (copy === undefined) moved.set(data, (copy = given && movable(data) ? data : transferableCopy(data)));
        return copy;
      });
      const task = makeTask({ inputs: copies, formats, deadline });
      const running = this.#piscina.run(task, { transferList: [...moved.values()].map((copy) => copy.buffer) });
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

const MIN_MOVED_BYTES = 128 * 1024;
const MAX_MOVED_SLACK = 64 * 1024;

/**
 * Whether moving `data`'s ArrayBuffer detaches only `data` (and a little of what was decoded beside it,
 * such as the rest of its request message): the bytes fill their buffer give or take MAX_MOVED_SLACK.
 * A small view into a shared buffer (Node's Buffer pool, a socket read) never qualifies: both the size
 * floor and the slack rule it out. Small inputs are copied anyway; the copy costs next to nothing.
 */
function movable(data: Uint8Array): data is Uint8Array<ArrayBuffer> {
  return (
    data.buffer instanceof ArrayBuffer &&
    data.byteLength >= MIN_MOVED_BYTES &&
    data.buffer.byteLength - data.byteLength <= MAX_MOVED_SLACK
  );
}

function shuttingDown(): AppError {
  return new AppError('unavailable', 'the image worker pool is shut down', { reason: 'SHUTTING_DOWN', retryAfterMs: 1000 });
}
