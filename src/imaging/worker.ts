import { workerData } from 'node:worker_threads';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import sharp from 'sharp';
import { internalError, isAppError } from '../errors/index.js';
import { compositeImage } from './composite-image.js';
import { probeImage } from './probe-image.js';
import { runPipeline } from './run-pipeline.js';
import { runComputation } from './run-computation.js';
import { sanitizeSvg } from './sanitize-svg.js';
import { isUnrecognisedSharpError } from './sharp-error.js';
import { toWireError, transferableCopy, type CompositeTask, type WireImage, type WorkerReply, type WorkerSettings, type WorkerTask } from './task-protocol.js';

/**
 * The piscina task handler: every sharp call of the service runs here, never on the main thread.
 *
 * Set once per thread (libvips keeps these process-wide, so every thread agrees):
 * - cache off: measured to halve peak memory on an 18 MP photo at the same speed; the service caches
 *   results itself.
 * - concurrency 1: parallelism comes from the pool's threads, not from libvips threads inside each task.
 */
sharp.cache(false);
sharp.concurrency(1);

const settings = workerData as WorkerSettings;

export default async function handleTask(task: WorkerTask): Promise<WorkerReply | ReturnType<typeof move>> {
  try {
    return await againIfUnrecognised(() => (task.type === 'composite' ? handleComposite(task) : handleOne(task)));
  } catch (error) {
    return errorReply(error);
  }
}

/**
 * The task, and once more when sharp failed with a message nobody recognises (see
 * isUnrecognisedSharpError): the input is still here, and the deadline bounds both runs.
 */
async function againIfUnrecognised<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!isUnrecognisedSharpError(error)) throw error;
    return work();
  }
}

async function handleOne(task: Exclude<WorkerTask, CompositeTask>): Promise<WorkerReply | ReturnType<typeof move>> {
  const ctx = { field: task.field, format: task.format, deadline: task.deadline, ...settings };
  const given = Buffer.from(task.input.buffer, task.input.byteOffset, task.input.byteLength);
  // SVG is sanitised before sharp sees it; a probe hands the sanitised document back to be stored.
  const input = task.format === 'svg' && !task.ownSvg ? await sanitizeSvg(given, ctx) : given;
  if (task.type === 'probe') {
    const probe = await probeImage(input, task.format, ctx);
    return { ok: true, type: 'probe', probe: input === given ? probe : { ...probe, sanitized: input } };
  }
  if (task.type === 'compute') return { ok: true, type: 'compute', result: await runComputation(task.kind, input, task.params, ctx) };
  return imageReply(await runPipeline(input, task.spec, ctx));
}

async function handleComposite(task: CompositeTask): Promise<WorkerReply | ReturnType<typeof move>> {
  // One layer's bytes may stand for several layers (see WorkerPool.composite): sanitised once.
  const sanitised = new Map<Uint8Array, Promise<Buffer>>();
  const inputs = await Promise.all(
    task.inputs.map((input, i) => {
      const given = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
      if (task.formats[i] !== 'svg') return Promise.resolve(given);
      const field = task.spec.layers[i]?.field ?? `layers[${i}]`;
      if (!sanitised.has(input)) sanitised.set(input, sanitizeSvg(given, { ...settings, field, deadline: task.deadline }));
      return sanitised.get(input)!;
    }),
  );
  return imageReply(await compositeImage(inputs, task.formats, task.spec, { deadline: task.deadline, ...settings }));
}

function imageReply(image: WireImage): ReturnType<typeof move> {
  const data = transferableCopy(image.data);
  const reply: WorkerReply = { ok: true, type: 'run', image: { ...image, data } };
  // Hand the output's memory to the main thread instead of copying it.
  return move({ [transferableSymbol]: [data.buffer], [valueSymbol]: reply });
}

/** Errors are sent as data: a thrown error would reach the main thread without its class or fields. */
function errorReply(error: unknown): WorkerReply {
  return { ok: false, error: toWireError(isAppError(error) ? error : internalError('image processing failed', error)) };
}
