import { create } from '@bufbuild/protobuf';
import { EncodedImageSchema, type EncodedImage as PbEncodedImage } from '../../gen/image/v1/processing_service_pb.js';
import type { EncodedImage } from '../imaging/image-processor.js';
import { isOutputFormat } from '../imaging/image-formats.js';
import { sniffFormat } from '../imaging/sniff.js';

export function toPbEncodedImage(image: EncodedImage): PbEncodedImage {
  return create(EncodedImageSchema, {
    data: image.data,
    contentType: image.contentType,
    format: image.format,
    width: image.width,
    height: image.height,
    fileSize: BigInt(image.data.byteLength),
  });
}

/** "Keep the input's format": the sniffed format when the service can write it, else png. */
export function keptFormat(input: Uint8Array): string {
  const format = sniffFormat(input);
  return isOutputFormat(format) ? format : 'png';
}
