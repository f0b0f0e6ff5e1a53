import type { UploadHeader, UploadImageStreamRequest } from '../../gen/image/v1/image_service_pb.js';
import { invalidArgument, overloaded, tooLarge } from '../errors/index.js';
import type { ByteBudget } from '../util/byte-budget.js';

export interface UploadLimits {
  /** Largest upload, bytes. */
  maxBytes: number;
  /** Bytes held by all the uploads still arriving or being stored (MAX_UPLOAD_BYTES_IN_FLIGHT). */
  inFlight: ByteBudget;
}

/**
 * Reads an upload stream (exactly one header first, then chunks) and hands it to `use`, holding its
 * bytes against the shared in-flight budget until `use` is done. A header's total_size over the limit,
 * or more than the budget has left, is refused before a chunk is read; without a total_size each chunk
 * is counted as it arrives, so an oversized upload costs at most one chunk past the limit, and one the
 * budget cannot hold stops there.
 */
export async function collectUpload<T>(
  requests: AsyncIterable<UploadImageStreamRequest>,
  limits: UploadLimits,
  use: (upload: { header: UploadHeader; data: Uint8Array }) => Promise<T>,
): Promise<T> {
  const { maxBytes, inFlight } = limits;
  let header: UploadHeader | undefined;
  const chunks: Uint8Array[] = [];
  let size = 0;
  let taken = 0;
  const take = (bytes: number): void => {
    if (!inFlight.tryTake(bytes)) {
      throw overloaded(`uploads in progress hold ${inFlight.held} of the ${inFlight.capacity} bytes they may (MAX_UPLOAD_BYTES_IN_FLIGHT); retry later`);
    }
    taken += bytes;
  };
  try {
    let index = 0;
    for await (const req of requests) {
      const part = req.part;
      if (part.case === 'header') {
        if (index !== 0) throw invalidArgument(`messages[${index}].header`, 'the header only in the first message', 'a second header');
        header = part.value;
        if (header.totalSize > BigInt(maxBytes)) throw tooLarge('header.total_size', `${maxBytes} bytes`, `${header.totalSize} bytes`, 'UPLOAD_TOO_LARGE');
        // Declared: held in full now, so an upload the budget cannot take is refused before its first chunk.
        take(Number(header.totalSize));
      } else if (part.case === 'chunk') {
        if (!header) throw invalidArgument('messages[0].header', 'a header as the first message', 'a chunk');
        size += part.value.byteLength;
        if (size > maxBytes) throw tooLarge('upload', `${maxBytes} bytes`, `more than ${maxBytes} bytes`, 'UPLOAD_TOO_LARGE');
        if (size > taken) take(size - taken);
        chunks.push(part.value);
      } else {
        throw invalidArgument(`messages[${index}].part`, 'a header or a chunk', 'an empty message');
      }
      index++;
    }
    if (!header) throw invalidArgument('messages[0].header', 'a header as the first message', 'no messages');
    if (header.totalSize !== 0n && BigInt(size) !== header.totalSize) {
      throw invalidArgument('header.total_size', `${header.totalSize} bytes to arrive`, `${size} bytes`);
    }
    return await use({ header, data: Buffer.concat(chunks, size) });
  } finally {
    inFlight.give(taken);
  }
}
