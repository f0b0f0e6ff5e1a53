import { describe, expect, it, vi } from 'vitest';
import { colorNamer } from '../../src/color/color-names.js';
import type { ImageRecord } from '../../src/domain/image-record.js';
import type { PaletteRecord } from '../../src/domain/palette-record.js';
import { isAppError } from '../../src/errors/index.js';
import { PaletteService } from '../../src/services/palette-service.js';

const IMAGE_ID = '0190b6e2-7c1a-7d3e-9f00-0123456789ab';

/** The service with in-memory fakes for its three dependencies, recording what each was asked. */
function makeSut() {
  const image = { id: IMAGE_ID, filename: 'photo.jpg' } as ImageRecord;
  const stored: PaletteRecord[] = [];
  const deps = {
    assets: { read: vi.fn(async (id: string) => ({ record: { ...image, id }, data: Buffer.from('bytes') })) },
    db: {
      palettes: {
        insert: vi.fn(async (r: PaletteRecord) => void stored.push(r)),
        insertMany: vi.fn(async (rs: PaletteRecord[]) => void stored.push(...rs)),
        get: vi.fn(async (_tenant: string, id: string) => stored.find((r) => r.id === id)),
        list: vi.fn(async () => ({ items: stored })),
        deleteBySourceImage: vi.fn(async () => 0),
      },
    },
    images: {
      compute: vi.fn(async (_data: Uint8Array, _kind: string, params: { numColors: number; types: readonly string[] }) =>
        params.types.map(() => Array.from({ length: params.numColors }, (_, i) => ({ rgb: [i * 10, 0, 0], proportion: 1 / params.numColors }))),
      ),
    },
    namer: async () => colorNamer([{ name: 'Night', hex: '#000000' }, { name: 'Blood', hex: '#ff0000' }]),
    now: () => new Date('2025-01-02T03:04:05Z'),
  };
  const sut = new PaletteService(deps as never);
  return { sut, deps, stored };
}

async function rejection(p: Promise<unknown>) {
  const err = await p.then(() => undefined, (e: unknown) => e);
  if (!isAppError(err)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}

describe('PaletteService', () => {
  it('extracts in the worker pool with one computation, names the colours and stores the palette', async () => {
    const { sut, deps, stored } = makeSut();
    const record = await sut.generate({ imageId: IMAGE_ID, numColors: 0, type: 'split_complementary', name: '' });
    expect(deps.images.compute).toHaveBeenCalledWith(expect.anything(), 'palettes', { numColors: 5, types: ['split_complementary'] }, { field: 'image_id' });
    expect(record).toMatchObject({ name: 'Split complementary palette of photo.jpg', sourceImageId: IMAGE_ID, type: 'split_complementary', createdAt: new Date('2025-01-02T03:04:05Z') });
    expect(record.colors).toHaveLength(5);
    expect(record.colors[0]).toEqual({ hex: '#000000', rgb: [0, 0, 0], hsv: [0, 0, 0], name: 'Night', proportion: 0.2 });
    expect(stored).toEqual([record]);
  });

  it('extracts once for many types and stores them together', async () => {
    const { sut, deps } = makeSut();
    const records = await sut.generateMany({ imageId: IMAGE_ID, numColors: 3, types: ['dominant', 'vibrant', 'shades'] });
    expect(records.map((r) => r.type)).toEqual(['dominant', 'vibrant', 'shades']);
    expect(deps.images.compute).toHaveBeenCalledTimes(1);
    expect(deps.db.palettes.insertMany).toHaveBeenCalledWith(records);
  });

  it.each([
    ['num_colors above 16', { numColors: 17 }, 'num_colors: expected an integer from 1 to 16, received 17'],
    ['negative num_colors', { numColors: -1 }, 'num_colors: expected an integer from 1 to 16, received -1'],
    ['an empty image_id', { imageId: '' }, 'image_id: expected an id, received ""'],
    ['a malformed image_id', { imageId: '../etc' }, 'image_id: expected an id like "0190b6e2-7c1a-7d3e-9f00-0123456789ab", received "../etc"'],
    ['the theme type', { type: 'theme' }, 'palette_type: expected one of dominant, vibrant, muted, dark, light, pastel, complementary, analogous, triadic, split_complementary, tetradic, monochromatic, shades, received "theme"'],
    ['a long name', { name: 'x'.repeat(201) }, 'name: expected at most 200 characters, received "201 characters"'],
  ])('refuses %s before reading the image', async (_what, change, message) => {
    const { sut, deps } = makeSut();
    const err = await rejection(sut.generate({ imageId: IMAGE_ID, numColors: 5, type: 'dominant', name: '', ...change } as never));
    expect(err.kind).toBe('invalid_argument');
    expect(err.message).toBe(message);
    expect(deps.assets.read).not.toHaveBeenCalled();
    expect(deps.images.compute).not.toHaveBeenCalled();
  });

  it.each([
    ['no types', [], 'palette_types: expected at least one of dominant, vibrant, muted, dark, light, pastel, complementary, analogous, triadic, split_complementary, tetradic, monochromatic, shades, received "none"'],
    ['a repeated type', ['dominant', 'muted', 'dominant'], 'palette_types[2]: expected each palette type at most once, received "dominant"'],
  ])('refuses %s in a multiple request before reading the image', async (_what, types, message) => {
    const { sut, deps } = makeSut();
    const err = await rejection(sut.generateMany({ imageId: IMAGE_ID, numColors: 5, types: types as never }));
    expect(err.message).toBe(message);
    expect(deps.assets.read).not.toHaveBeenCalled();
  });

  it('stores nothing when extraction fails', async () => {
    const { sut, deps, stored } = makeSut();
    deps.images.compute.mockRejectedValueOnce(new Error('worker died'));
    await expect(sut.generateMany({ imageId: IMAGE_ID, numColors: 5, types: ['dominant', 'muted'] })).rejects.toThrow('worker died');
    expect(stored).toEqual([]);
  });

  it('reads palettes back and checks ids and page sizes', async () => {
    const { sut, deps } = makeSut();
    const record = await sut.generate({ imageId: IMAGE_ID, numColors: 2, type: 'dominant', name: 'Mine' });
    expect(await sut.get(record.id)).toBe(record);
    expect((await rejection(sut.get('0190b6e2-7c1a-7d3e-9f00-000000000000'))).message).toBe('palette "0190b6e2-7c1a-7d3e-9f00-000000000000" not found');
    expect((await rejection(sut.get('nope'))).message).toMatch(/^palette_id: expected an id like/);
    await sut.list({ pageSize: 0, pageToken: '', sourceImageId: IMAGE_ID });
    expect(deps.db.palettes.list).toHaveBeenLastCalledWith('default', { limit: 20, cursor: undefined, sourceImageId: IMAGE_ID });
    expect((await rejection(sut.list({ pageSize: 101, pageToken: '', sourceImageId: '' }))).message).toBe('page_size: expected an integer from 1 to 100, received 101');
    expect((await rejection(sut.list({ pageSize: 5, pageToken: '', sourceImageId: 'x' }))).message).toMatch(/^source_image_id: expected an id like/);
  });
});
