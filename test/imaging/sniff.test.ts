import { describe, expect, it } from 'vitest';
import { sniffFormat } from '../../src/imaging/sniff.js';
import { solid, SVG } from './images.js';

function ftyp(major: string, ...compatible: string[]): Uint8Array {
  const size = 16 + 4 * compatible.length;
  const box = Buffer.alloc(size + 8);
  box.writeUInt32BE(size, 0);
  box.write('ftyp', 4, 'latin1');
  box.write(major, 8, 'latin1');
  compatible.forEach((brand, i) => box.write(brand, 16 + 4 * i, 'latin1'));
  return box;
}

function bmpHeader(dibSize: number): Uint8Array {
  const header = Buffer.alloc(54);
  header.write('BM', 0, 'latin1');
  header.writeUInt32LE(54, 2);
  header.writeUInt32LE(dibSize, 14);
  return header;
}

describe('sniffFormat', () => {
  it.each(['png', 'jpeg', 'webp', 'avif', 'gif', 'tiff'] as const)('recognises %s written by sharp', async (format) => {
    const bytes = await solid(16, 16).toFormat(format).toBuffer();
    expect(sniffFormat(bytes)).toBe(format);
  });

  it('recognises a little-endian and a big-endian TIFF header', () => {
    expect(sniffFormat(Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]))).toBe('tiff');
    expect(sniffFormat(Buffer.from([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8]))).toBe('tiff');
  });

  it('tells AVIF from HEIF by the ftyp brands, compatible brands included', () => {
    expect(sniffFormat(ftyp('avif', 'mif1', 'miaf'))).toBe('avif');
    expect(sniffFormat(ftyp('avis', 'msf1'))).toBe('avif');
    expect(sniffFormat(ftyp('mif1', 'avif', 'miaf'))).toBe('avif');
    expect(sniffFormat(ftyp('heic', 'mif1'))).toBe('heif');
    expect(sniffFormat(ftyp('heix'))).toBe('heif');
    expect(sniffFormat(ftyp('mif1', 'heic'))).toBe('heif');
    expect(sniffFormat(ftyp('msf1'))).toBe('heif');
  });

  it('does not take other ISO media (an mp4) for an image', () => {
    expect(sniffFormat(ftyp('isom', 'iso2', 'mp41'))).toBeUndefined();
  });

  it('recognises BMP by "BM" and a known DIB header size only', () => {
    expect(sniffFormat(bmpHeader(40))).toBe('bmp');
    expect(sniffFormat(bmpHeader(124))).toBe('bmp');
    expect(sniffFormat(Buffer.from('BM is not a bitmap, just text that starts with BM'))).toBeUndefined();
  });

  it('recognises JPEG XL codestreams and containers', () => {
    expect(sniffFormat(Buffer.from([0xff, 0x0a, 0xfa, 0x1f]))).toBe('jxl');
    expect(sniffFormat(Buffer.from([0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20, 0x0d, 0x0a, 0x87, 0x0a, 0, 0]))).toBe('jxl');
  });

  it('recognises SVG with or without an XML prolog, BOM and leading whitespace', () => {
    expect(sniffFormat(SVG)).toBe('svg');
    expect(sniffFormat(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBe('svg');
    expect(sniffFormat(Buffer.from('\ufeff\n  <svg width="1" height="1"></svg>'))).toBe('svg');
    expect(sniffFormat(Buffer.from('<!-- drawn by hand -->\n<!DOCTYPE svg>\n<svg></svg>'))).toBe('svg');
  });

  it('does not take other XML or an <svg> beyond the first KB for SVG', () => {
    expect(sniffFormat(Buffer.from('<?xml version="1.0"?><html><body/></html>'))).toBeUndefined();
    expect(sniffFormat(Buffer.from(`<?xml version="1.0"?><!-- ${'x'.repeat(1100)} --><svg/>`))).toBeUndefined();
    expect(sniffFormat(Buffer.from('<svgfoo/>'))).toBeUndefined();
  });

  it('returns undefined for empty, short and unknown bytes', () => {
    expect(sniffFormat(new Uint8Array(0))).toBeUndefined();
    expect(sniffFormat(Buffer.from([0xff, 0xd8]))).toBeUndefined();
    expect(sniffFormat(Buffer.from('RIFF\0\0\0\0WAVEfmt '))).toBeUndefined();
    expect(sniffFormat(Buffer.from('hello, world'))).toBeUndefined();
  });

  it('reads a view into a larger buffer from its own offset', () => {
    const backing = Buffer.concat([Buffer.from('junk'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])]);
    expect(sniffFormat(backing.subarray(4))).toBe('png');
  });
});
