import type { PaletteRecord, PaletteTypeName } from '../domain/palette-record.js';
import { invalidArgument, paletteNotFound } from '../errors/index.js';
import type { ImageProcessor } from '../imaging/image-processor.js';
import type { Database, Page } from '../persistence/repositories.js';
import { defaultColorNamer, type ColorNamer } from '../color/color-names.js';
import { paletteColor } from '../color/palette-color.js';
import { DEFAULT_COLORS, EXTRACTABLE_TYPES, MAX_COLORS, MIN_COLORS } from '../color/palette-types.js';
import { newId } from '../util/ids.js';
import { checkId, checkIntInRange, checkMaxLength } from '../validation/check.js';
import type { AssetService } from './asset-service.js';
import { tenantOf, type CallOptions } from './call-options.js';

export interface PaletteServiceDeps {
  assets: Pick<AssetService, 'read'>;
  db: Pick<Database, 'palettes'>;
  images: Pick<ImageProcessor, 'compute'>;
  /** The colour namer (default: color-name-list, loaded on first use). */
  namer?: () => Promise<ColorNamer>;
  now?: () => Date;
}

export interface GeneratePaletteInput {
  imageId: string;
  /** 0 for the default (5). */
  numColors: number;
  type: PaletteTypeName;
  /** Empty for a name made from the type and the image. */
  name: string;
}

export interface GeneratePalettesInput {
  imageId: string;
  numColors: number;
  types: readonly PaletteTypeName[];
}

const MAX_NAME_LENGTH = 200;

/**
 * Palettes of stored images: extract (in the worker pool, one decode for any number of types), name
 * the colours, store, read back. Every check on the request runs before the image is read.
 */
export class PaletteService {
  readonly #now: () => Date;
  readonly #namer: () => Promise<ColorNamer>;

  constructor(private readonly deps: PaletteServiceDeps) {
    this.#now = deps.now ?? (() => new Date());
    this.#namer = deps.namer ?? defaultColorNamer;
  }

  async generate(input: GeneratePaletteInput, call: CallOptions = {}): Promise<PaletteRecord> {
    checkMaxLength('name', input.name, MAX_NAME_LENGTH);
    const [record] = await this.#generate(input.imageId, input.numColors, [input.type], 'palette_type', call, input.name);
    await this.deps.db.palettes.insert(record);
    return record;
  }

  /** One palette per type, in the order asked, stored together (all or none). */
  async generateMany(input: GeneratePalettesInput, call: CallOptions = {}): Promise<PaletteRecord[]> {
    if (input.types.length === 0) throw invalidArgument('palette_types', `at least one of ${EXTRACTABLE_TYPES.join(', ')}`, 'none');
    const records = await this.#generate(input.imageId, input.numColors, input.types, 'palette_types', call);
    await this.deps.db.palettes.insertMany(records);
    return records;
  }

  /** Within the caller's tenant: another tenant's palette is not found. */
  async get(paletteId: string, call: CallOptions = {}): Promise<PaletteRecord> {
    checkId('palette_id', paletteId);
    const record = await this.deps.db.palettes.get(tenantOf(call), paletteId);
    if (!record) throw paletteNotFound(paletteId);
    return record;
  }

  /** Newest first, paged like ListImages. */
  async list(query: { pageSize: number; pageToken: string; sourceImageId: string }, call: CallOptions = {}): Promise<Page<PaletteRecord>> {
    const limit = query.pageSize === 0 ? 20 : checkIntInRange('page_size', query.pageSize, 1, 100);
    if (query.sourceImageId) checkId('source_image_id', query.sourceImageId);
    return this.deps.db.palettes.list(tenantOf(call), { limit, cursor: query.pageToken || undefined, sourceImageId: query.sourceImageId || undefined });
  }

  async #generate(imageId: string, numColorsAsked: number, types: readonly PaletteTypeName[], field: string, call: CallOptions, name = ''): Promise<PaletteRecord[]> {
    checkId('image_id', imageId);
    const numColors = numColorsAsked === 0 ? DEFAULT_COLORS : checkIntInRange('num_colors', numColorsAsked, MIN_COLORS, MAX_COLORS);
    types.forEach((type, i) => {
      const at = types.length > 1 || field === 'palette_types' ? `${field}[${i}]` : field;
      if (!EXTRACTABLE_TYPES.includes(type)) throw invalidArgument(at, `one of ${EXTRACTABLE_TYPES.join(', ')}`, type);
      if (types.indexOf(type) !== i) throw invalidArgument(at, 'each palette type at most once', type);
    });
    const { record: image, data } = await this.deps.assets.read(imageId, call);
    // The name index loads (first call only) while the worker extracts.
    const namer = this.#namer();
    namer.catch(() => undefined); // awaited below; this only keeps a failure while extracting from going unhandled
    const palettes = await this.deps.images.compute(data, 'palettes', { numColors, types }, { ...call, field: 'image_id' });
    const names = await namer;
    const createdAt = this.#now();
    return types.map((type, i) => ({
      id: newId(),
      tenant: image.tenant,
      name: name || `${label(type)} palette of ${image.filename || `image ${image.id}`}`,
      sourceImageId: image.id,
      type,
      colors: palettes[i].map((c) => paletteColor(c.rgb, c.proportion, names)),
      createdAt,
    }));
  }
}

/** "split_complementary" → "Split complementary". */
function label(type: PaletteTypeName): string {
  const words = type.replace(/_/g, ' ');
  return words[0].toUpperCase() + words.slice(1);
}
