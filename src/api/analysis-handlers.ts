import { create } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import { AnalysisType } from '../../gen/image/v1/analysis_pb.js';
import { PaletteColorSchema, PaletteType, type PaletteColor } from '../../gen/image/v1/palette_pb.js';
import type { ProcessingService } from '../../gen/image/v1/processing_service_pb.js';
import type { AnalysisKind } from '../analysis/analyze-image.js';
import type { PaletteColorRecord } from '../domain/palette-record.js';
import { invalidArgument } from '../errors/index.js';
import type { AnalysisService } from '../services/analysis-service.js';
import type { RecolorService } from '../services/recolor-service.js';
import { callOptionsFrom } from './call-options-from.js';
import { toPbEncodedImage } from './encoded-image.js';

export type AnalysisHandlers = Pick<ServiceImpl<typeof ProcessingService>, 'analyzeImage' | 'generateAndApplyPalette'>;

const KINDS: ReadonlyMap<AnalysisType, AnalysisKind> = new Map([
  [AnalysisType.COLORS, 'colors'],
  [AnalysisType.COMPOSITION, 'composition'],
  [AnalysisType.QUALITY, 'quality'],
  [AnalysisType.METADATA, 'metadata'],
  [AnalysisType.HASHES, 'hashes'],
]);
const SUPPORTED = [...KINDS.keys()].map((t) => `ANALYSIS_TYPE_${AnalysisType[t]}`).join(', ');

/** analysis_types as analysis kinds; anything else (UNSPECIFIED, an unknown number) is refused, naming what is supported. */
export function analysisKinds(types: readonly AnalysisType[]): AnalysisKind[] {
  return types.map((type, i) => {
    const kind = KINDS.get(type);
    if (kind) return kind;
    const name = AnalysisType[type] as string | undefined;
    throw invalidArgument(
      `analysis_types[${i}]`,
      `one of ${SUPPORTED} (colour palettes: ImageService.GenerateColorPalette)`,
      name ? `ANALYSIS_TYPE_${name}` : type,
      'UNSUPPORTED_ANALYSIS',
    );
  });
}

/** ProcessingService.AnalyzeImage and GenerateAndApplyPalette. */
export function analysisHandlers(analysis: AnalysisService, recolor: RecolorService): AnalysisHandlers {
  return {
    async analyzeImage(req, ctx) {
      const kinds = analysisKinds(req.analysisTypes);
      const result = await analysis.analyze(req.imageData, kinds, callOptionsFrom(ctx));
      const { colors, composition, quality, metadata, hashes } = result;
      return {
        colors: colors && { ...colors, dominant: colors.dominant.map(pbColor), average: pbColor(colors.average) },
        composition,
        quality,
        metadata,
        hashes,
      };
    },

    async generateAndApplyPalette(req, ctx) {
      const themed = await recolor.applyTheme(
        {
          imageData: req.imageData,
          description: req.themeDescription,
          numPalettes: req.numPalettes,
          numColors: req.numColors,
          strength: req.strength,
          format: req.format,
        },
        callOptionsFrom(ctx),
      );
      return {
        results: themed.map(({ palette, image }) => ({
          palette: { name: palette.name, type: PaletteType.THEME, colors: palette.colors.map(pbColor) },
          image: toPbEncodedImage(image),
        })),
      };
    },
  };
}

function pbColor(c: PaletteColorRecord): PaletteColor {
  return create(PaletteColorSchema, {
    hex: c.hex,
    rgb: { r: c.rgb[0], g: c.rgb[1], b: c.rgb[2] },
    hsv: { h: c.hsv[0], s: c.hsv[1], v: c.hsv[2] },
    name: c.name,
    proportion: c.proportion,
  });
}
