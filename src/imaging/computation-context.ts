import type { InputFormat } from './image-formats.js';
import type { ErrorContext } from './sharp-error.js';

/** What a computation gets besides the bytes: the sniffed format, limits, deadline. */
export interface ComputationContext extends ErrorContext {
  format: InputFormat;
  maxOutputDimension: number;
  deadline: number;
}

/**
 * A computation reads the image and returns structured-clonable data (never a Buffer it does not own).
 * Adding one: write it in its own module (it runs in the worker), declare its parameters and result in
 * computation-types.ts, and add one line to the worker's table (run-computation.ts).
 */
export type Computation<P, R> = (input: Buffer, params: P, ctx: ComputationContext) => Promise<R>;
