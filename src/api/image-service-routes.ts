import type { ConnectRouter } from '@connectrpc/connect';
import { durationMs, timestampFromDate } from '@bufbuild/protobuf/wkt';
import { ImageService } from '../../gen/image/v1/image_service_pb.js';
import { ImageKind as PbImageKind } from '../../gen/image/v1/asset_pb.js';
import { invalidArgument } from '../errors/index.js';
import type { AssetService } from '../services/asset-service.js';
import type { DerivedImageService } from '../services/derived-image-service.js';
import type { DerivativeService } from '../services/derivative-service.js';
import type { GenerationService } from '../services/generation-service.js';
import { OUTPUT_FORMATS, type OutputFormat, parseFormat } from '../imaging/image-formats.js';
import { checkId } from '../validation/check.js';
import { ResizeOptionsSchema, CropRegionSchema, FilterSchema } from '../../gen/image/v1/operations_pb.js';
import { create, toJson } from '@bufbuild/protobuf';
import { resizeStep } from './translate/resize-step.js';
import { transformFrom } from './translate/image-transform.js';
import { cropStep } from './translate/crop-step.js';
import { filterSteps } from './translate/filter-steps.js';
import { toImageAsset, kindFromProto } from './asset-mapper.js';
import { callOptionsFrom } from './call-options-from.js';
import { collectUpload } from './collect-upload.js';
import { generationHandlers } from './generation-handlers.js';
import { paletteHandlers } from './palette-handlers.js';
import { recolorHandlers } from './recolor-handlers.js';
import type { RecolorService } from '../services/recolor-service.js';
import type { PaletteService } from '../services/palette-service.js';
import type { ByteBudget } from '../util/byte-budget.js';

export interface ImageServiceCores {
  assets: AssetService;
  derived: DerivedImageService;
  /** Derivative URLs: GetImageUrl with a transform or widths. */
  derivatives: DerivativeService;
  generation: GenerationService;
  recolor: RecolorService;
  palettes: PaletteService;
  maxUploadBytes: number;
  /** Bytes held at once by streamed uploads still arriving or being stored. */
  uploadsInFlight: ByteBudget;
  /** Largest image GetImage returns inline: what fits in a response message beside its record. */
  maxInlineImageBytes: number;
  maxOutputDimension: number;
}

/** The output format of a derived image: empty keeps the source's. */
function outputFormat(format: string): OutputFormat | undefined {
  return format ? parseFormat('format', format, OUTPUT_FORMATS) : undefined;
}

/** image.v1.ImageService: maps messages to core calls and results back; no logic of its own. */
export function registerImageService(router: ConnectRouter, cores: ImageServiceCores): void {
  const { assets, derived } = cores;
  router.service(ImageService, {
    async uploadImage(req, ctx) {
      const record = await assets.upload(
        { data: req.fileData, filename: req.filename, declaredContentType: req.contentType, metadata: req.metadata ?? null, uploaderId: req.uploaderId },
        callOptionsFrom(ctx),
      );
      return { image: toImageAsset(record) };
    },

    async uploadImageStream(requests, ctx) {
      const record = await collectUpload(requests, { maxBytes: cores.maxUploadBytes, inFlight: cores.uploadsInFlight }, ({ header, data }) =>
        assets.upload(
          { data, filename: header.filename, declaredContentType: header.contentType, metadata: header.metadata ?? null, uploaderId: header.uploaderId },
          callOptionsFrom(ctx),
        ),
      );
      return { image: toImageAsset(record) };
    },

    async getImage(req, ctx) {
      if (req.includeData) {
        // Refused from the record before the blob is read when it could not fit in the response.
        const { record, data } = await assets.read(req.imageId, callOptionsFrom(ctx), { maxBytes: cores.maxInlineImageBytes, what: 'in one response (GetImageUrl serves any size)', field: 'include_data' });
        return { image: toImageAsset(record), data };
      }
      return { image: toImageAsset(await assets.get(req.imageId, callOptionsFrom(ctx))) };
    },

    async listImages(req, ctx) {
      let kind;
      if (req.kind !== PbImageKind.UNSPECIFIED) {
        kind = kindFromProto(req.kind);
        if (!kind) throw invalidArgument('kind', 'IMAGE_KIND_UPLOADED, IMAGE_KIND_GENERATED or IMAGE_KIND_PROCESSED', req.kind);
      }
      const page = await assets.list({ pageSize: req.pageSize, pageToken: req.pageToken, kind, sourceImageId: req.sourceImageId }, callOptionsFrom(ctx));
      return { images: page.items.map(toImageAsset), nextPageToken: page.nextCursor ?? '' };
    },

    async deleteImage(req, ctx) {
      await assets.delete(req.imageId, callOptionsFrom(ctx));
      return {};
    },

    async getImageUrl(req, ctx) {
      let seconds: number | undefined;
      if (req.expiration) {
        const ms = durationMs(req.expiration);
        if (ms % 1000 !== 0) throw invalidArgument('expiration', 'whole seconds', `${ms} ms`);
        seconds = ms / 1000;
      }
      if (req.transform === undefined && req.widths.length === 0) {
        const { url, expiresAt } = await assets.signedUrl(req.imageId, seconds, callOptionsFrom(ctx));
        return { url, expiresAt: timestampFromDate(expiresAt) };
      }
      const out = await cores.derivatives.urls(req.imageId, { transform: transformFrom(req.transform), widths: req.widths, expirationSeconds: seconds }, callOptionsFrom(ctx));
      return {
        url: out.url,
        expiresAt: timestampFromDate(out.expiresAt),
        srcsetUrls: out.srcset,
        srcset: out.srcset.map((s) => `${s.url} ${s.width}w`).join(', '),
        placeholder: out.placeholder?.thumbhash ?? '',
        dominantColor: out.placeholder?.dominantColor ?? '',
      };
    },

    async exportImage(req, ctx) {
      const out = await assets.export(req.imageId, req.format, req.quality, req.includeMetadata, callOptionsFrom(ctx));
      return {
        data: out.data,
        contentType: out.contentType,
        format: out.format,
        width: out.width,
        height: out.height,
        fileSize: BigInt(out.data.byteLength),
      };
    },

    ...generationHandlers(cores.generation),
    ...paletteHandlers(cores.palettes),
    ...recolorHandlers(cores.recolor),

    async resizeImage(req, ctx) {
      checkId('image_id', req.imageId);
      const step = resizeStep(req, '', cores.maxOutputDimension);
      const options = create(ResizeOptionsSchema, {
        width: req.width,
        height: req.height,
        maintainAspectRatio: req.maintainAspectRatio,
        fit: req.fit,
        gravity: req.gravity,
        backgroundColor: req.backgroundColor,
        withoutEnlargement: req.withoutEnlargement,
      });
      const { record } = await derived.derive(
        { sourceImageId: req.imageId, processingType: 'resize', steps: [step], format: outputFormat(req.format), params: { resize: toJson(ResizeOptionsSchema, options) } },
        callOptionsFrom(ctx),
      );
      return { image: toImageAsset(record) };
    },

    async cropImage(req, ctx) {
      checkId('image_id', req.imageId);
      const step = cropStep(req, '');
      const region = create(CropRegionSchema, { x: req.x, y: req.y, width: req.width, height: req.height });
      const { record } = await derived.derive(
        { sourceImageId: req.imageId, processingType: 'crop', steps: [step], format: outputFormat(req.format), params: { crop: toJson(CropRegionSchema, region) } },
        callOptionsFrom(ctx),
      );
      return { image: toImageAsset(record) };
    },

    async applyFilter(req, ctx) {
      checkId('image_id', req.imageId);
      const steps = filterSteps(req.filter, 'filter');
      const { record } = await derived.derive(
        { sourceImageId: req.imageId, processingType: 'filter', steps, format: outputFormat(req.format), params: { filter: toJson(FilterSchema, req.filter!) } },
        callOptionsFrom(ctx),
      );
      return { image: toImageAsset(record) };
    },
  });
}
