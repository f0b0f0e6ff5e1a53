import type { ConnectRouter } from '@connectrpc/connect';
import { durationMs, timestampFromDate } from '@bufbuild/protobuf/wkt';
import { ImageService } from '../../gen/image/v1/image_service_pb.js';
import { ImageKind as PbImageKind } from '../../gen/image/v1/asset_pb.js';
import { invalidArgument, notImplemented } from '../errors/index.js';
import type { AssetService } from '../services/asset-service.js';
import { toImageAsset, kindFromProto } from './asset-mapper.js';
import { callOptionsFrom } from './call-options-from.js';
import { collectUpload } from './collect-upload.js';

export interface ImageServiceCores {
  assets: AssetService;
  maxUploadBytes: number;
}

const later = (rpc: string, what: string) => () => {
  throw notImplemented(rpc, what);
};

/** image.v1.ImageService: maps messages to core calls and results back; no logic of its own. */
export function registerImageService(router: ConnectRouter, cores: ImageServiceCores): void {
  const { assets } = cores;
  router.service(ImageService, {
    async uploadImage(req, ctx) {
      const record = await assets.upload(
        { data: req.fileData, filename: req.filename, declaredContentType: req.contentType, metadata: req.metadata ?? null, uploaderId: req.uploaderId },
        callOptionsFrom(ctx),
      );
      return { image: toImageAsset(record) };
    },

    async uploadImageStream(requests, ctx) {
      const { header, data } = await collectUpload(requests, cores.maxUploadBytes);
      const record = await assets.upload(
        { data, filename: header.filename, declaredContentType: header.contentType, metadata: header.metadata ?? null, uploaderId: header.uploaderId },
        callOptionsFrom(ctx),
      );
      return { image: toImageAsset(record) };
    },

    async getImage(req) {
      if (req.includeData) {
        const { record, data } = await assets.read(req.imageId);
        return { image: toImageAsset(record), data };
      }
      return { image: toImageAsset(await assets.get(req.imageId)) };
    },

    async listImages(req) {
      let kind;
      if (req.kind !== PbImageKind.UNSPECIFIED) {
        kind = kindFromProto(req.kind);
        if (!kind) throw invalidArgument('kind', 'IMAGE_KIND_UPLOADED, IMAGE_KIND_GENERATED or IMAGE_KIND_PROCESSED', req.kind);
      }
      const page = await assets.list({ pageSize: req.pageSize, pageToken: req.pageToken, kind, sourceImageId: req.sourceImageId });
      return { images: page.items.map(toImageAsset), nextPageToken: page.nextCursor ?? '' };
    },

    async deleteImage(req) {
      await assets.delete(req.imageId);
      return {};
    },

    async getImageUrl(req) {
      let seconds: number | undefined;
      if (req.expiration) {
        const ms = durationMs(req.expiration);
        if (ms % 1000 !== 0) throw invalidArgument('expiration', 'whole seconds', `${ms} ms`);
        seconds = ms / 1000;
      }
      const { url, expiresAt } = await assets.signedUrl(req.imageId, seconds);
      return { url, expiresAt: timestampFromDate(expiresAt) };
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

    generateImage: later('GenerateImage', 'AI generation arrives with the generation providers (issue 5)'),
    async *generateVariations() {
      throw notImplemented('GenerateVariations', 'AI variations arrive with the generation providers (issue 5)');
    },
    refineImage: later('RefineImage', 'refinement arrives with the generation providers (issue 5)'),
    listModels: later('ListModels', 'generation models arrive with the generation providers (issue 5)'),
    generateColorPalette: later('GenerateColorPalette', 'palette extraction arrives with the colour work (issue 4)'),
    generateMultiplePalettes: later('GenerateMultiplePalettes', 'palette extraction arrives with the colour work (issue 4)'),
    applyPaletteToImage: later('ApplyPaletteToImage', 'palette recolouring arrives with the colour work (issue 4)'),
    getPalette: later('GetPalette', 'palettes arrive with the colour work (issue 4)'),
    listPalettes: later('ListPalettes', 'palettes arrive with the colour work (issue 4)'),
    resizeImage: later('ResizeImage', 'processing of stored images arrives with the processing work (issue 3)'),
    cropImage: later('CropImage', 'processing of stored images arrives with the processing work (issue 3)'),
    applyFilter: later('ApplyFilter', 'filters arrive with the processing work (issue 3)'),
  });
}
