import { createHash } from 'node:crypto';

/**
 * The key of one source image's result of an operation, unique among image rows: the same operation on
 * the same source returns its stored result. `derivationKey` (source content + canonical operation)
 * says what bytes the result holds, so identical sources share those bytes; the source's id makes the
 * record its own.
 */
export function operationKeyFor(sourceImageId: string, derivationKey: string): string {
  return createHash('sha256').update(`${sourceImageId}\n${derivationKey}`).digest('hex');
}
