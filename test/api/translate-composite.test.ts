import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { BlendMode, CompositeLayerSchema, Gravity, type CompositeLayer } from '../../gen/image/v1/operations_pb.js';
import { CreateCompositeRequestSchema, type CreateCompositeRequest } from '../../gen/image/v1/processing_service_pb.js';
import { compositeSpec, DEFAULT_MAX_LAYERS, resolveLayers, type CompositeLimits } from '../../src/api/translate/composite-spec.js';
import { isAppError, type AppError } from '../../src/errors/index.js';

const LIMITS: CompositeLimits = { maxLayers: DEFAULT_MAX_LAYERS, maxOutputPixels: 100_000_000, maxOutputDimension: 16_384 };
const BYTES = new Uint8Array([1, 2, 3]);
const ID = '0190b6e2-7c1a-7d3e-9f00-0123456789ab';

function pbLayer(init: Partial<Omit<CompositeLayer, '$typeName'>> = {}): CompositeLayer {
  return create(CompositeLayerSchema, { source: { case: 'imageData', value: BYTES }, ...init });
}

function request(init: Partial<Omit<CreateCompositeRequest, '$typeName'>> = {}): CreateCompositeRequest {
  return create(CreateCompositeRequestSchema, { width: 100, height: 50, layers: [pbLayer()], ...init });
}

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (isAppError(e)) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('compositeSpec', () => {
  it('maps a minimal request to defaults: transparent canvas, centred opaque layer, over, png', () => {
    const sut = compositeSpec(request(), LIMITS);
    expect(sut).toEqual({
      width: 100,
      height: 50,
      layers: [{ input: BYTES, position: { anchor: 'centre' }, opacity: 1, blend: 'over', rotation: 0, field: 'layers[0]' }],
      output: { format: 'png', field: 'export_options' },
    });
  });

  it('maps every layer field', () => {
    const sut = compositeSpec(
      request({
        backgroundColor: '#FFAA0080',
        format: 'webp',
        layers: [
          pbLayer({ position: { case: 'offset', value: { x: -20, y: 30, $typeName: 'image.v1.Point' } }, width: 64, opacity: 0.25, blendMode: BlendMode.MULTIPLY, rotation: -90 }),
          pbLayer({ source: { case: 'imageId', value: ID }, position: { case: 'gravity', value: Gravity.SOUTHEAST }, height: 10, blendMode: BlendMode.COLOR_DODGE }),
        ],
      }),
      LIMITS,
    );
    expect(sut.background).toBe('#ffaa0080');
    expect(sut.output).toEqual({ format: 'webp', field: 'export_options' });
    expect(sut.layers[0]).toEqual({ input: BYTES, position: { left: -20, top: 30 }, box: { width: 64 }, opacity: 0.25, blend: 'multiply', rotation: -90, field: 'layers[0]' });
    expect(sut.layers[1]).toEqual({ imageId: ID, position: { anchor: 'southeast' }, box: { height: 10 }, opacity: 1, blend: 'colour-dodge', rotation: 0, field: 'layers[1]' });
  });

  it.each([
    [BlendMode.OVER, 'over'],
    [BlendMode.SCREEN, 'screen'],
    [BlendMode.OVERLAY, 'overlay'],
    [BlendMode.DARKEN, 'darken'],
    [BlendMode.LIGHTEN, 'lighten'],
    [BlendMode.COLOR_BURN, 'colour-burn'],
    [BlendMode.HARD_LIGHT, 'hard-light'],
    [BlendMode.SOFT_LIGHT, 'soft-light'],
    [BlendMode.DIFFERENCE, 'difference'],
    [BlendMode.EXCLUSION, 'exclusion'],
    [BlendMode.ADD, 'add'],
    [BlendMode.SATURATE, 'saturate'],
  ])('maps blend mode %i to sharp\'s %s', (mode, name) => {
    expect(compositeSpec(request({ layers: [pbLayer({ blendMode: mode })] }), LIMITS).layers[0].blend).toBe(name);
  });

  it('allows zero layers (a plain canvas) and up to maxLayers', () => {
    expect(compositeSpec(request({ layers: [] }), LIMITS).layers).toEqual([]);
    expect(compositeSpec(request({ layers: Array.from({ length: 3 }, () => pbLayer()) }), { ...LIMITS, maxLayers: 3 }).layers).toHaveLength(3);
  });

  describe('errors', () => {
    it.each([
      [{ width: 0 }, 'width: expected an integer from 1 to 16384, received 0'],
      [{ height: 16_385 }, 'height: expected an integer from 1 to 16384, received 16385'],
      [{ backgroundColor: 'red' }, 'background_color: expected a colour "#RRGGBB" or "#RRGGBBAA", received "red"'],
      [{ backgroundColor: '#12345' }, 'background_color: expected a colour "#RRGGBB" or "#RRGGBBAA", received "#12345"'],
      [{ layers: [pbLayer({ opacity: 1.5 })] }, 'layers[0].opacity: expected a number from 0 to 1, received 1.5'],
      [{ layers: [pbLayer(), pbLayer(), pbLayer({ opacity: 1.5 })] }, 'layers[2].opacity: expected a number from 0 to 1, received 1.5'],
      [{ layers: [pbLayer({ opacity: -0.1 })] }, 'layers[0].opacity: expected a number from 0 to 1, received -0.1'],
      [{ layers: [pbLayer({ rotation: 361 })] }, 'layers[0].rotation: expected a number from -360 to 360, received 361'],
      [{ layers: [pbLayer({ width: -1 })] }, 'layers[0].width: expected an integer from 0 to 16384, received -1'],
      [{ layers: [pbLayer({ height: 20_000 })] }, 'layers[0].height: expected an integer from 0 to 16384, received 20000'],
      [{ layers: [pbLayer({ source: { case: undefined } })] }, 'layers[0].source: expected image_data or image_id, received none'],
      [{ layers: [pbLayer({ source: { case: 'imageId', value: 'nope' } })] }, 'layers[0].image_id: expected an id like "0190b6e2-7c1a-7d3e-9f00-0123456789ab", received "nope"'],
      [{ layers: [pbLayer({ blendMode: 99 as BlendMode })] }, 'layers[0].blend_mode: expected a BlendMode value, received 99'],
      [
        { layers: [pbLayer({ position: { case: 'gravity', value: Gravity.ATTENTION } })] },
        'layers[0].gravity: expected one of the nine anchors GRAVITY_CENTER to GRAVITY_NORTHWEST (attention and entropy are crop strategies), received "GRAVITY_ATTENTION"',
      ],
      [
        { layers: [pbLayer({ position: { case: 'offset', value: { x: 20_000_000, y: 0, $typeName: 'image.v1.Point' } } })] },
        'layers[0].offset.x: expected an integer from -10000000 to 10000000, received 20000000',
      ],
      [{ format: 'bmp' }, 'format: expected one of png, jpeg, jpg, webp, avif, tiff, gif, svg, received "bmp"'],
    ] as [Partial<Omit<CreateCompositeRequest, '$typeName'>>, string][])('refuses %j', (init, message) => {
      const error = errorOf(() => compositeSpec(request(init), LIMITS));
      expect(error.kind).toBe('invalid_argument');
      expect(error.message).toBe(message);
      expect(error.violations).toHaveLength(1);
      expect(`${error.violations[0].field}: ${error.violations[0].description}`).toBe(message);
    });

    it('refuses more layers than configured', () => {
      const error = errorOf(() => compositeSpec(request({ layers: Array.from({ length: 33 }, () => pbLayer()) }), LIMITS));
      expect(error.message).toBe('layers: expected at most 32 layers, received 33');
    });

    it('refuses a canvas over the output pixel limit', () => {
      const error = errorOf(() => compositeSpec(request({ width: 16_384, height: 16_384 }), LIMITS));
      expect(error.kind).toBe('resource_exhausted');
      expect(error.reason).toBe('PIXEL_LIMIT_EXCEEDED');
      expect(error.message).toBe('canvas: limit is 100000000 output pixels, received a planned output of 16384x16384 = 268435456 pixels');
    });

    it('checks export options with encodeOptions', () => {
      const error = errorOf(() => compositeSpec(request({ format: 'jpeg', exportOptions: { quality: 101 } as CreateCompositeRequest['exportOptions'] }), LIMITS));
      expect(error.message).toBe('export_options.quality: expected an integer from 1 to 100, received 101');
    });
  });
});

describe('resolveLayers', () => {
  it('asks for the stored layers in order, one id per layer, and keeps given bytes', async () => {
    const draft = compositeSpec(
      request({
        layers: [pbLayer({ source: { case: 'imageId', value: ID } }), pbLayer(), pbLayer({ source: { case: 'imageId', value: ID }, opacity: 0.5 })],
      }),
      LIMITS,
    );
    const stored = new Uint8Array([9, 9]);
    const reads: string[][] = [];
    const sut = await resolveLayers(draft, async (ids) => {
      reads.push(ids);
      return new Map([[ID, stored]]);
    });
    expect(reads).toEqual([[ID, ID]]);
    expect(sut.layers.map((l) => l.input)).toEqual([stored, BYTES, stored]);
    expect(sut.layers[2]).toEqual({ input: stored, position: { anchor: 'centre' }, opacity: 0.5, blend: 'over', rotation: 0, field: 'layers[2]' });
    expect('imageId' in sut.layers[0]).toBe(false);
  });

  it('passes the read error through', async () => {
    const draft = compositeSpec(request({ layers: [pbLayer({ source: { case: 'imageId', value: ID } })] }), LIMITS);
    await expect(resolveLayers(draft, async () => Promise.reject(new Error('gone')))).rejects.toThrow('gone');
  });
});
