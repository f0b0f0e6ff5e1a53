import type { UploadHeader, UploadImageStreamRequest } from '../../gen/image/v1/image_service_pb.js';
import { invalidArgument, tooLarge } from '../errors/index.js';

/**
 * Reads an upload stream: exactly one header first, then chunks, bounded by maxBytes. Stops reading
 * as soon as the bound is crossed, so an oversized upload costs at most one chunk past it.
 */
export async function collectUpload(
  requests: AsyncIterable<UploadImageStreamRequest>,
  maxBytes: number,
): Promise<{ header: UploadHeader; data: Uint8Array }> {
  let header: UploadHeader | undefined;
  const chunks: Uint8Array[] = [];
  let size = 0;
  let index = 0;
  for await (const req of requests) {
    const part = req.part;
    if (part.case === 'header') {
      if (index !== 0) throw invalidArgument(`messages[${index}].header`, 'the header only in the first message', 'a second header');
      header = part.value;
    } else if (part.case === 'chunk') {
      if (!header) throw invalidArgument('messages[0].header', 'a header as the first message', 'a chunk');
      size += part.value.byteLength;
      if (size > maxBytes) throw tooLarge('upload', `${maxBytes} bytes`, `more than ${maxBytes} bytes`, 'UPLOAD_TOO_LARGE');
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
  return { header, data: Buffer.concat(chunks, size) };
}
