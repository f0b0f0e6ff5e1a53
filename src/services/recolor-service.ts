import type { ImageRecord } from '../domain/image-record.js';
import type { PaletteColorRecord } from '../domain/palette-record.js';
import { cancelled, invalidArgument, paletteNotFound } from '../errors/index.js';
import type { EncodedImage, ImageProcessor } from '../imaging/image-processor.js';
import { keptFormat, OUTPUT_FORMATS, parseFormat } from '../imaging/image-formats.js';
import { sniffFormat } from '../imaging/sniff.js';
import type { Database } from '../persistence/repositories.js';
import { checkHexColor, checkId, checkIntInRange, checkMaxLength, checkNumberInRange } from '../validation/check.js';
import { themePalettes } from '../color/theme-palettes.js';
import { defaultColorNamer, type ColorNamer } from '../color/color-names.js';
import type { Vec3 } from '../color/oklab.js';
import { paletteColor } from '../color/palette-color.js';
import { mapInCompletionOrder } from '../util/map-in-completion-order.js';
import { tenantOf, type CallOptions } from './call-options.js';
import type { DerivedImageService } from './derived-image-service.js';

/** What to recolour towards: a stored palette or colours given inline. */
export type RecolorTarget = { paletteId: string } | { colors: string[] };

export interface ApplyPaletteRequest {
  imageId: string;
  /** undefined when the request set neither palette_id nor colors. */
  target: RecolorTarget | undefined;
  /** 0-1; undefined means 1. */
  strength: number | undefined;
}

export interface ThemeRequest {
  imageData: Uint8Array;
  description: string;
  /** 0 means the default (3). */
  numPalettes: number;
  /** 0 means the default (5). */
  numColors: number;
  strength: number | undefined;
  /** Empty keeps the input's format (png when it is not an output format). */
  format: string;
}

export interface ThemedImage {
  palette: { name: string; colors: PaletteColorRecord[] };
  image: EncodedImage;
}

export interface RecolorServiceDeps {
  derived: DerivedImageService;
  db: Pick<Database, 'palettes'>;
  images: ImageProcessor;
  /** Pool tasks one theme request runs at once (so one request cannot fill the queue alone). */
  concurrencyPerRequest: number;
  /** The colour namer (default: color-name-list, loaded on first use). */
  namer?: () => Promise<ColorNamer>;
}

const MAX_TARGET_COLORS = 16;
const MAX_THEME_LENGTH = 500;

/**
 * Palette recolouring: of stored images (ImageService.ApplyPaletteToImage, results stored with their
 * lineage) and of bytes towards palettes made from a theme description
 * (ProcessingService.GenerateAndApplyPalette, nothing stored). The pixel work is the 'recolor'
 * pipeline step, in the worker pool.
 */
export class RecolorService {
  constructor(private readonly deps: RecolorServiceDeps) {}

  async applyToStoredImage(req: ApplyPaletteRequest, call: CallOptions = {}): Promise<{ record: ImageRecord; reused: boolean }> {
    checkId('image_id', req.imageId);
    const strength = checkRecolorStrength('strength', req.strength);
    const { paletteId, colors } = await this.targetColors(req.target, call);
    const params = { applyPalette: { ...(paletteId ? { paletteId } : {}), strength, colors } };
    return this.deps.derived.derive(
      {
        sourceImageId: req.imageId,
        processingType: 'apply_palette',
        steps: [{ op: 'recolor', colors, strength, field: 'target' }],
        params,
        unchanged: strength === 0,
      },
      call,
    );
  }

  async applyTheme(req: ThemeRequest, call: CallOptions = {}): Promise<ThemedImage[]> {
    if (req.description.trim() === '') throw invalidArgument('theme_description', 'a description such as "ocean sunset"', req.description);
    checkMaxLength('theme_description', req.description, MAX_THEME_LENGTH);
    const numPalettes = req.numPalettes === 0 ? 3 : checkIntInRange('num_palettes', req.numPalettes, 1, 8);
    const numColors = req.numColors === 0 ? 5 : checkIntInRange('num_colors', req.numColors, 2, 12);
    const strength = checkRecolorStrength('strength', req.strength);
    const inputFormat = sniffFormat(req.imageData);
    const format = req.format ? parseFormat('format', req.format, OUTPUT_FORMATS) : keptFormat(inputFormat);
    const palettes = themePalettes(req.description, numPalettes, numColors);

    const options = { ...call, field: 'image_data' };
    let render: (colors: string[], signal: AbortSignal | undefined) => Promise<EncodedImage>;
    if (strength === 0 && format === inputFormat) {
      // Unchanged means unchanged: the input's own bytes, not a re-encoding of them.
      const probe = await this.deps.images.probe(req.imageData, 'image_data', options);
      const image: EncodedImage = { data: Buffer.from(req.imageData), format, contentType: probe.contentType, width: probe.width, height: probe.height };
      render = async () => image;
    } else {
      render = (colors, signal) =>
        this.deps.images.run(req.imageData, { steps: [{ op: 'recolor', colors, strength, field: 'theme_description' }], output: { format } }, { ...options, signal });
    }
    const renderAll = async () => {
      const images = new Array<EncodedImage>(palettes.length);
      const rendered = mapInCompletionOrder(palettes, (p, _index, signal) => render(p.colors, signal), {
        concurrency: this.deps.concurrencyPerRequest,
        signal: call.signal,
        stopReason: () => cancelled('theme request ended'),
      });
      for await (const { index, value } of rendered) images[index] = value;
      return images;
    };
    const [images, namer] = await Promise.all([renderAll(), (this.deps.namer ?? defaultColorNamer)()]);
    return palettes.map((p, i) => ({
      palette: { name: p.name, colors: p.colors.map((hex) => paletteColor(rgbOfHex(hex), 0, namer)) },
      image: images[i],
    }));
  }

  private async targetColors(target: RecolorTarget | undefined, call: CallOptions): Promise<{ paletteId?: string; colors: string[] }> {
    if (!target) throw invalidArgument('target', 'palette_id or colors', undefined);
    if ('paletteId' in target) {
      checkId('palette_id', target.paletteId);
      const palette = await this.deps.db.palettes.get(tenantOf(call), target.paletteId);
      if (!palette) throw paletteNotFound(target.paletteId);
      return { paletteId: palette.id, colors: palette.colors.slice(0, MAX_TARGET_COLORS).map((c) => c.hex.toLowerCase()) };
    }
    const { colors } = target;
    if (colors.length < 1 || colors.length > MAX_TARGET_COLORS) {
      throw invalidArgument('colors.hex', `1 to ${MAX_TARGET_COLORS} colours "#RRGGBB"`, `${colors.length} colours`);
    }
    return { colors: colors.map((c, i) => checkHexColor(`colors.hex[${i}]`, c, false)) };
  }
}

function rgbOfHex(hex: string): Vec3 {
  const n = Number.parseInt(hex.slice(1, 7), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Recolouring strength 0-1, default 1 (unset), kept to 4 decimals (the wire's float32 would otherwise show as 0.30000001). */
function checkRecolorStrength(field: string, value: number | undefined): number {
  if (value === undefined) return 1;
  checkNumberInRange(field, value, 0, 1);
  return Math.round(value * 1e4) / 1e4;
}
