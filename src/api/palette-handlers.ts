import type { ServiceImpl } from '@connectrpc/connect';
import type { ImageService } from '../../gen/image/v1/image_service_pb.js';
import type { PaletteService } from '../services/palette-service.js';
import { callOptionsFrom } from './call-options-from.js';
import { toPalette } from './translate/palette-message.js';
import { paletteTypeFromProto } from './translate/palette-type.js';

export type PaletteHandlers = Pick<ServiceImpl<typeof ImageService>, 'generateColorPalette' | 'generateMultiplePalettes' | 'getPalette' | 'listPalettes'>;

/** Palette RPCs of image.v1.ImageService: messages to PaletteService calls and back. */
export function paletteHandlers(palettes: PaletteService): PaletteHandlers {
  return {
    async generateColorPalette(req, ctx) {
      const type = paletteTypeFromProto(req.paletteType, 'palette_type');
      const record = await palettes.generate({ imageId: req.imageId, numColors: req.numColors, type, name: req.name }, callOptionsFrom(ctx));
      return { palette: toPalette(record) };
    },

    async generateMultiplePalettes(req, ctx) {
      const types = req.paletteTypes.map((t, i) => paletteTypeFromProto(t, `palette_types[${i}]`));
      const records = await palettes.generateMany({ imageId: req.imageId, numColors: req.numColors, types }, callOptionsFrom(ctx));
      return { palettes: records.map(toPalette) };
    },

    async getPalette(req, ctx) {
      return { palette: toPalette(await palettes.get(req.paletteId, callOptionsFrom(ctx))) };
    },

    async listPalettes(req, ctx) {
      const page = await palettes.list({ pageSize: req.pageSize, pageToken: req.pageToken, sourceImageId: req.sourceImageId }, callOptionsFrom(ctx));
      return { palettes: page.items.map(toPalette), nextPageToken: page.nextCursor ?? '' };
    },
  };
}
