import type { ServiceImpl } from '@connectrpc/connect';
import type { ImageService } from '../../gen/image/v1/image_service_pb.js';
import type { RecolorService, RecolorTarget } from '../services/recolor-service.js';
import { toImageAsset } from './asset-mapper.js';
import { callOptionsFrom } from './call-options-from.js';

export type RecolorHandlers = Pick<ServiceImpl<typeof ImageService>, 'applyPaletteToImage'>;

/** ImageService.ApplyPaletteToImage. */
export function recolorHandlers(recolor: RecolorService): RecolorHandlers {
  return {
    async applyPaletteToImage(req, ctx) {
      const { target: t } = req;
      const target: RecolorTarget | undefined =
        t.case === 'paletteId' ? { paletteId: t.value } : t.case === 'colors' ? { colors: t.value.hex } : undefined;
      const { record } = await recolor.applyToStoredImage({ imageId: req.imageId, target, strength: req.strength }, callOptionsFrom(ctx));
      return { image: toImageAsset(record) };
    },
  };
}
