import { BlendMode, Gravity, type CompositeLayer as PbCompositeLayer } from '../../../gen/image/v1/operations_pb.js';
import type { CreateCompositeRequest } from '../../../gen/image/v1/processing_service_pb.js';
import { invalidArgument, invalidArguments } from '../../errors/index.js';
import { checkOutputPixels } from '../../imaging/plan-pixels.js';
import type { Anchor, BlendMode as SharpBlend, CompositeLayer, CompositeSpec } from '../../imaging/image-processor.js';
import { checkHexColor, checkId, checkIntInRange, checkNumberInRange } from '../../validation/check.js';
import { encodeOptions } from './encode-options.js';

export interface CompositeLimits {
  /** Most layers in one request (default DEFAULT_MAX_LAYERS). */
  maxLayers: number;
  /** Largest canvas, width x height. */
  maxOutputPixels: number;
  /** Largest canvas side, and largest layer box side. */
  maxOutputDimension: number;
}

export const DEFAULT_MAX_LAYERS = 32;
/** Offsets beyond this put a layer of any size off the canvas; libvips' largest image side. */
const MAX_OFFSET = 10_000_000;

/** A layer whose bytes are given, or a stored image the core reads before compositing. */
type DraftLayer = Omit<CompositeLayer, 'input'> & ({ input: Uint8Array; imageId?: undefined } | { input?: undefined; imageId: string });
/** A validated composite, stored layers not read yet (see resolveLayers). */
export type CompositeDraft = Omit<CompositeSpec, 'layers'> & { layers: DraftLayer[] };

const BLENDS: Record<Exclude<BlendMode, BlendMode.UNSPECIFIED>, SharpBlend> = {
  [BlendMode.OVER]: 'over',
  [BlendMode.MULTIPLY]: 'multiply',
  [BlendMode.SCREEN]: 'screen',
  [BlendMode.OVERLAY]: 'overlay',
  [BlendMode.DARKEN]: 'darken',
  [BlendMode.LIGHTEN]: 'lighten',
  [BlendMode.COLOR_DODGE]: 'colour-dodge',
  [BlendMode.COLOR_BURN]: 'colour-burn',
  [BlendMode.HARD_LIGHT]: 'hard-light',
  [BlendMode.SOFT_LIGHT]: 'soft-light',
  [BlendMode.DIFFERENCE]: 'difference',
  [BlendMode.EXCLUSION]: 'exclusion',
  [BlendMode.ADD]: 'add',
  [BlendMode.SATURATE]: 'saturate',
};

const ANCHORS: Partial<Record<Gravity, Anchor>> = {
  [Gravity.UNSPECIFIED]: 'centre',
  [Gravity.CENTER]: 'centre',
  [Gravity.NORTH]: 'north',
  [Gravity.NORTHEAST]: 'northeast',
  [Gravity.EAST]: 'east',
  [Gravity.SOUTHEAST]: 'southeast',
  [Gravity.SOUTH]: 'south',
  [Gravity.SOUTHWEST]: 'southwest',
  [Gravity.WEST]: 'west',
  [Gravity.NORTHWEST]: 'northwest',
};

/**
 * A CreateCompositeRequest as a composite, every field checked before anything is read or decoded:
 * canvas 1 to maxOutputDimension a side and at most maxOutputPixels; background "#RRGGBB" or "#RRGGBBAA"
 * (default transparent); 0 to maxLayers layers; per layer a source, an offset (any integer; the layer is
 * clipped) or a gravity (the nine anchors; default centre), a box 0 to maxOutputDimension a side,
 * opacity 0-1 (default 1), a blend mode (default over), rotation -360 to 360; the output as
 * encodeOptions checks it (format default png). Layers given by image_id come back with `imageId` set:
 * the core reads them (resolveLayers) once the whole request is known to be valid.
 */
export function compositeSpec(request: CreateCompositeRequest, limits: CompositeLimits): CompositeDraft {
  const width = checkIntInRange('width', request.width, 1, limits.maxOutputDimension);
  const height = checkIntInRange('height', request.height, 1, limits.maxOutputDimension);
  checkOutputPixels('canvas', width, height, limits.maxOutputPixels);
  const background = request.backgroundColor ? checkHexColor('background_color', request.backgroundColor) : undefined;
  if (request.layers.length > limits.maxLayers) throw invalidArgument('layers', `at most ${limits.maxLayers} layers`, request.layers.length);
  const layers = request.layers.map((layer, i) => draftLayer(layer, `layers[${i}]`, limits));
  const output = encodeOptions(request.format || 'png', request.exportOptions, '');
  return { width, height, ...(background !== undefined ? { background } : {}), layers, output };
}

/**
 * The draft with its stored layers' bytes, from the core's `readMany` (given the ids in layer order, one
 * per stored layer: it checks their sizes before reading and reads each image once).
 */
export async function resolveLayers(draft: CompositeDraft, readMany: (imageIds: string[]) => Promise<Map<string, Uint8Array>>): Promise<CompositeSpec> {
  const ids = draft.layers.flatMap((layer) => (layer.imageId === undefined ? [] : [layer.imageId]));
  const stored = ids.length > 0 ? await readMany(ids) : new Map<string, Uint8Array>();
  const layers = draft.layers.map((layer): CompositeLayer => {
    const { imageId, input, ...rest } = layer;
    if (input !== undefined) return { ...rest, input };
    const bytes = stored.get(imageId);
    if (bytes === undefined) throw new Error(`stored layer ${imageId} was not read`);
    return { ...rest, input: bytes };
  });
  return { ...draft, layers };
}

function draftLayer(layer: PbCompositeLayer, at: string, limits: CompositeLimits): DraftLayer {
  const source = layer.source;
  if (source.case === undefined) {
    throw invalidArguments([{ field: `${at}.source`, description: 'expected image_data or image_id, received none' }]);
  }
  const common = {
    position: position(layer, at),
    ...box(layer, at, limits.maxOutputDimension),
    opacity: layer.opacity === undefined ? 1 : checkNumberInRange(`${at}.opacity`, float32(layer.opacity), 0, 1),
    blend: blend(layer.blendMode, at),
    rotation: checkNumberInRange(`${at}.rotation`, float32(layer.rotation), -360, 360),
    field: at,
  };
  return source.case === 'imageData' ? { ...common, input: source.value } : { ...common, imageId: checkId(`${at}.image_id`, source.value) };
}

function position(layer: PbCompositeLayer, at: string): CompositeLayer['position'] {
  const where = layer.position;
  if (where.case === 'offset') {
    return { left: checkIntInRange(`${at}.offset.x`, where.value.x, -MAX_OFFSET, MAX_OFFSET), top: checkIntInRange(`${at}.offset.y`, where.value.y, -MAX_OFFSET, MAX_OFFSET) };
  }
  const gravity = where.case === 'gravity' ? where.value : Gravity.UNSPECIFIED;
  const anchor = ANCHORS[gravity];
  if (anchor === undefined) {
    const name = Gravity[gravity] === undefined ? gravity : `GRAVITY_${Gravity[gravity]}`;
    throw invalidArgument(`${at}.gravity`, 'one of the nine anchors GRAVITY_CENTER to GRAVITY_NORTHWEST (attention and entropy are crop strategies)', name);
  }
  return { anchor };
}

function box(layer: PbCompositeLayer, at: string, maxSide: number): { box?: CompositeLayer['box'] } {
  const width = checkIntInRange(`${at}.width`, layer.width, 0, maxSide);
  const height = checkIntInRange(`${at}.height`, layer.height, 0, maxSide);
  if (width === 0 && height === 0) return {};
  return { box: { ...(width ? { width } : {}), ...(height ? { height } : {}) } };
}

function blend(mode: BlendMode, at: string): SharpBlend {
  if (mode === BlendMode.UNSPECIFIED) return 'over';
  const name = BLENDS[mode];
  if (name === undefined) throw invalidArgument(`${at}.blend_mode`, 'a BlendMode value', mode);
  return name;
}

/** A proto float as the caller wrote it: 1.1 arrives as 1.100000023841858, which no message should show. */
function float32(value: number): number {
  return Number.isFinite(value) ? Number(Math.fround(value).toPrecision(7)) : value;
}
