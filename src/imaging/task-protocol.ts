import { inspect } from 'node:util';
import { AppError, type ErrorKind, type FieldViolation } from '../errors/index.js';
import type { CompositeLayer, CompositeSpec, EncodedImage, PipelineSpec, ProbeResult } from './image-processor.js';
import type { InputFormat } from './image-formats.js';

/**
 * What crosses the thread boundary. Everything here survives structured cloning; the image bytes travel
 * in a transferred ArrayBuffer, never as a copy.
 */

/** Fixed per pool; sent once as piscina's workerData rather than with every task. */
export interface WorkerSettings {
  maxInputPixels: number;
  /** Largest image a pipeline may make, width x height (see plan-pixels.ts). */
  maxOutputPixels: number;
  maxOutputDimension: number;
  /** Largest SVG input, bytes (see sanitize-svg.ts). */
  maxSvgBytes: number;
  /** Bounds on an SVG's elements and nesting (see svg-complexity.ts). */
  maxSvgElements: number;
  maxSvgDepth: number;
  /** Encoder time one AVIF request may take, ms (see avif-effort.ts). */
  avifBudgetMs: number;
}

interface TaskBase {
  /** The caller's copy of the input; its buffer is in the transfer list. */
  input: Uint8Array;
  /** Sniffed on the main thread. */
  format: InputFormat;
  /** The request field the bytes came from, named in errors. */
  field: string;
  /** Epoch ms; the worker turns the time left into sharp's own timeout. */
  deadline: number;
  /** An SVG this service wrote itself (RunOptions.ownSvg): not sanitised. */
  ownSvg?: boolean;
}

/** A composite spec as it travels: the layers without their bytes, which are the task's `inputs`. */
export type WireCompositeSpec = Omit<CompositeSpec, 'layers'> & { layers: Omit<CompositeLayer, 'input'>[] };

/** Several inputs in one task: the layers' bytes in order, every buffer in the transfer list. */
export interface CompositeTask {
  type: 'composite';
  inputs: Uint8Array[];
  /** Sniffed on the main thread, one per input. */
  formats: InputFormat[];
  spec: WireCompositeSpec;
  deadline: number;
}

export type WorkerTask =
  | (TaskBase & { type: 'probe' })
  | (TaskBase & { type: 'run'; spec: PipelineSpec })
  | (TaskBase & { type: 'compute'; kind: string; params: unknown })
  | CompositeTask;

/** Errors are sent as data: an Error thrown across the boundary arrives without its class or fields. */
export interface WireError {
  kind: ErrorKind;
  message: string;
  reason: string;
  violations: FieldViolation[];
  metadata: Record<string, string>;
  retryAfterMs?: number;
  /** The internal cause, as text, for logs only. */
  cause?: string;
}

/** A Buffer arrives on the other side as a plain Uint8Array over the transferred memory. */
export type WireImage = Omit<EncodedImage, 'data'> & { data: Uint8Array };

export type WorkerReply =
  | { ok: true; type: 'probe'; probe: ProbeResult }
  /** The answer to a run or a composite task. */
  | { ok: true; type: 'run'; image: WireImage }
  | { ok: true; type: 'compute'; result: unknown }
  | { ok: false; error: WireError };

export function toWireError(error: AppError): WireError {
  const cause = error.cause instanceof Error ? error.cause.message : error.cause === undefined ? undefined : inspect(error.cause);
  return {
    kind: error.kind,
    message: error.message,
    reason: error.reason,
    violations: error.violations,
    metadata: error.metadata,
    retryAfterMs: error.retryAfterMs,
    cause,
  };
}

export function fromWireError(wire: WireError): AppError {
  return new AppError(wire.kind, wire.message, {
    reason: wire.reason,
    violations: wire.violations,
    metadata: wire.metadata,
    retryAfterMs: wire.retryAfterMs,
    cause: wire.cause,
  });
}

/**
 * A copy in memory V8 owns, whose buffer can be moved with a transfer list. Needed for sharp's output:
 * its Buffer is external (libvips) memory, which Node marks untransferable, so listed in a transfer list
 * it is silently cloned (and the clone copied again on the receiving thread). One copy on the worker
 * thread makes the transfer a real move. The main thread uses it for the caller's input, which must not
 * be detached under the caller.
 */
export function transferableCopy(data: Uint8Array): Uint8Array<ArrayBuffer> {
  // Its own (unpooled) ArrayBuffer, so it can be transferred; no zero-fill, every byte is overwritten.
  const copy = new Uint8Array(Buffer.allocUnsafeSlow(data.byteLength).buffer, 0, data.byteLength);
  copy.set(data);
  return copy;
}
