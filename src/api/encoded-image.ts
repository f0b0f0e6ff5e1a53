import { create } from '@bufbuild/protobuf';
import { EncodedImageSchema, type EncodedImage as PbEncodedImage } from '../../gen/image/v1/processing_service_pb.js';
import type { EncodedImage } from '../imaging/image-processor.js';

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
