import { create, type JsonObject } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { fromJson } from '@bufbuild/protobuf';
import {
  type ImageAsset,
  ImageAssetSchema,
  ImageKind as PbImageKind,
  GenerationParamsSchema,
  ProcessingParamsSchema,
} from '../../gen/image/v1/asset_pb.js';
import type { ImageKind, ImageRecord } from '../domain/image-record.js';

const KINDS: Record<ImageKind, PbImageKind> = {
  uploaded: PbImageKind.UPLOADED,
  generated: PbImageKind.GENERATED,
  processed: PbImageKind.PROCESSED,
};

export function kindFromProto(kind: PbImageKind): ImageKind | undefined {
  return (Object.keys(KINDS) as ImageKind[]).find((k) => KINDS[k] === kind);
}

/** The stored record as the wire's ImageAsset. */
export function toImageAsset(r: ImageRecord): ImageAsset {
  const asset = create(ImageAssetSchema, {
    imageId: r.id,
    filename: r.filename,
    contentType: r.contentType,
    width: r.width,
    height: r.height,
    fileSize: BigInt(r.fileSize),
    storagePath: r.storagePath,
    createdAt: timestampFromDate(r.createdAt),
    updatedAt: timestampFromDate(r.updatedAt),
    // Struct fields are plain JSON objects in protobuf-es.
    metadata: (r.metadata ?? undefined) as JsonObject | undefined,
    kind: KINDS[r.kind],
    sha256: r.sha256,
    declaredContentType: r.declaredContentType,
  });
  if (r.upload) {
    asset.details = { case: 'uploaded', value: { $typeName: 'image.v1.UploadedImage', ...r.upload } };
  } else if (r.generation) {
    const g = r.generation;
    asset.details = {
      case: 'generated',
      value: {
        $typeName: 'image.v1.GeneratedImage',
        prompt: g.prompt,
        model: g.model,
        negativePrompt: g.negativePrompt,
        guidanceScale: g.guidanceScale,
        generationSteps: g.generationSteps,
        generationParams: fromJson(GenerationParamsSchema, g.params as JsonObject, { ignoreUnknownFields: true }),
      },
    };
  } else if (r.processing) {
    const p = r.processing;
    asset.details = {
      case: 'processed',
      value: {
        $typeName: 'image.v1.ProcessedImage',
        sourceImageId: p.sourceImageId,
        processingType: p.processingType,
        processingParams: fromJson(ProcessingParamsSchema, p.params as JsonObject, { ignoreUnknownFields: true }),
      },
    };
  }
  return asset;
}
