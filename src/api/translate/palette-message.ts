import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { PaletteSchema, type Palette } from '../../../gen/image/v1/palette_pb.js';
import type { PaletteRecord } from '../../domain/palette-record.js';
import { paletteTypeToProto } from './palette-type.js';

/** A stored palette as the wire's Palette. */
export function toPalette(r: PaletteRecord): Palette {
  return create(PaletteSchema, {
    paletteId: r.id,
    name: r.name,
    sourceImageId: r.sourceImageId ?? '',
    type: paletteTypeToProto(r.type),
    createdAt: timestampFromDate(r.createdAt),
    colors: r.colors.map((c) => ({
      hex: c.hex,
      rgb: { r: c.rgb[0], g: c.rgb[1], b: c.rgb[2] },
      hsv: { h: c.hsv[0], s: c.hsv[1], v: c.hsv[2] },
      name: c.name,
      proportion: c.proportion,
    })),
  });
}
