import type { ColorTransformation } from '../../../gen/image/v1/operations_pb.js';
import { invalidArgument, tooLarge } from '../../errors/index.js';

export interface LutLimits {
  /** Most `.cube` LUTs in one request (MAX_LUTS_PER_REQUEST). */
  maxLutsPerRequest: number;
  /** Largest `.cube` text, bytes (MAX_LUT_BYTES). */
  maxLutBytes: number;
}

/** One list of transformations of a request, and the field that holds it. */
export interface TransformationList {
  transformations: readonly ColorTransformation[];
  field: string;
}

/**
 * The `.cube` LUTs of one request, before anything is translated or queued: each is parsed in a worker
 * (a quarter of a second for the largest table), so their number per request is bounded, and each
 * text's size. `requestField` names the request's list of lists (e.g. "variation_configs").
 */
export function checkLuts(lists: readonly TransformationList[], requestField: string, limits: LutLimits): void {
  let count = 0;
  for (const { transformations, field } of lists) {
    for (const [index, transformation] of transformations.entries()) {
      if (transformation.kind.case !== 'lut') continue;
      count++;
      const bytes = Buffer.byteLength(transformation.kind.value.cube);
      if (bytes > limits.maxLutBytes) throw tooLarge(`${field}[${index}].lut.cube`, `${limits.maxLutBytes} bytes`, `${bytes} bytes`, 'LUT_TOO_LARGE');
    }
  }
  if (count > limits.maxLutsPerRequest) {
    throw invalidArgument(requestField, `at most ${limits.maxLutsPerRequest} lut transformations in one request`, count);
  }
}
