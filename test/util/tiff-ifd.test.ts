import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ifdEntries, readTiff } from '../../src/util/tiff-ifd.js';

/** A TIFF structure with one IFD of `entries` (tag, type, count, value) in the given byte order, its count set to `declared`. */
function tiffBytes(little: boolean, entries: [number, number, number, number][], declared = entries.length): DataView {
  const view = new DataView(new ArrayBuffer(8 + 2 + entries.length * 12 + 4));
  view.setUint16(0, little ? 0x4949 : 0x4d4d);
  view.setUint16(2, 42, little);
  view.setUint32(4, 8, little);
  view.setUint16(8, declared, little);
  entries.forEach(([tag, type, count, value], i) => {
    const at = 10 + 12 * i;
    view.setUint16(at, tag, little);
    view.setUint16(at + 2, type, little);
    view.setUint32(at + 4, count, little);
    view.setUint16(at + 8, value, little);
  });
  return view;
}

describe('readTiff and ifdEntries', () => {
  it('reads IFD0 in both byte orders', () => {
    for (const little of [true, false]) {
      const tiff = readTiff(tiffBytes(little, [[0x010f, 2, 4, 0x4142], [0x0112, 3, 1, 6]]))!;
      expect(tiff).toMatchObject({ little, ifd0: 8 });
      const { entries, whole } = ifdEntries(tiff, tiff.ifd0);
      expect(whole).toBe(true);
      expect(entries.map(({ tag, type, count, at }) => ({ tag, type, count, at }))).toEqual([
        { tag: 0x010f, type: 2, count: 4, at: 10 },
        { tag: 0x0112, type: 3, count: 1, at: 22 },
      ]);
      expect(tiff.view.getUint16(entries[1].at + 8, little)).toBe(6);
    }
  });

  it('says what is not a TIFF header, and when an IFD runs past the structure', () => {
    expect(readTiff(new DataView(new ArrayBuffer(6)))).toBeUndefined();
    const noMark = tiffBytes(true, []);
    noMark.setUint16(0, 0x4141);
    expect(readTiff(noMark)).toBeUndefined();
    const not42 = tiffBytes(true, []);
    not42.setUint16(2, 43, true);
    expect(readTiff(not42)).toBeUndefined();

    // Three entries declared, one present: the one is read, and the IFD is not whole.
    const cut = readTiff(tiffBytes(true, [[0x0112, 3, 1, 3]], 3))!;
    expect(ifdEntries(cut, cut.ifd0)).toMatchObject({ entries: [{ tag: 0x0112 }], whole: false });
    expect(ifdEntries(cut, 10_000)).toEqual({ entries: [], whole: false });
    // At most `max` entries are read.
    const many = readTiff(tiffBytes(false, [[1, 3, 1, 0], [2, 3, 1, 0], [3, 3, 1, 0]]))!;
    expect(ifdEntries(many, many.ifd0, 2)).toMatchObject({ entries: [{ tag: 1 }, { tag: 2 }], whole: false });
  });

  it('reads the EXIF that sharp writes', async () => {
    const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .withMetadata({ orientation: 8 })
      .jpeg()
      .toBuffer();
    const { exif } = await sharp(jpeg).metadata();
    const tiff = readTiff(new DataView(exif!.buffer, exif!.byteOffset + 6, exif!.byteLength - 6))!;
    const orientation = ifdEntries(tiff, tiff.ifd0).entries.find((e) => e.tag === 0x0112)!;
    expect(tiff.view.getUint16(orientation.at + 8, tiff.little)).toBe(8);
  });
});
