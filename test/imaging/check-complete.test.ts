import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors/index.js';
import { checkComplete } from '../../src/imaging/check-complete.js';
import type { InputFormat } from '../../src/imaging/image-formats.js';
import { sniffFormat } from '../../src/imaging/sniff.js';
import { gradient } from '../support/fixtures.js';
import { haveSharedImages, SHARED_IMAGES, sharedImage } from '../support/shared-images.js';

/** The message checkComplete refuses with, or "complete". */
function verdict(data: Uint8Array, format: InputFormat): string {
  try {
    checkComplete(data, format, 'file_data');
    return 'complete';
  } catch (error) {
    if (!isAppError(error)) throw error;
    expect(error.kind).toBe('invalid_image');
    return error.message;
  }
}

const EXIF = { IFD0: { Make: 'test', Model: 'thumbnail' } };

describe('checkComplete', () => {
  it('refuses JPEG, PNG, GIF and WebP cut anywhere before their end marker, naming what is missing', async () => {
    const images: [InputFormat, Buffer, string][] = [
      ['jpeg', await gradient(96, 64).withExif(EXIF).jpeg({ progressive: true }).toBuffer(), 'the end-of-image marker (FF D9) after the image data'],
      ['png', await gradient(96, 64).png().toBuffer(), 'the IEND chunk after every chunk it declares'],
      ['gif', await gradient(96, 64).gif().toBuffer(), 'the trailer (3B) after every block'],
    ];
    const webp = await gradient(96, 64).webp().toBuffer();
    for (const [format, data, missing] of images) {
      expect(verdict(data, format), format).toBe('complete');
      for (const cut of [1, 2, 10, Math.floor(data.length / 2), data.length - 20]) {
        // A GIF one byte short lacks only its trailer, which some encoders never write: it is whole.
        if (format === 'gif' && cut === 1) {
          expect(verdict(data.subarray(0, data.length - 1), format)).toBe('complete');
          continue;
        }
        expect(verdict(data.subarray(0, data.length - cut), format), `${format} less ${cut}`).toBe(`file_data: truncated ${format}: expected ${missing}, received ${data.length - cut} bytes that end before it`);
      }
    }
    expect(verdict(webp, 'webp')).toBe('complete');
    expect(verdict(webp.subarray(0, 100), 'webp')).toBe(`file_data: truncated webp: expected the ${webp.length} bytes its RIFF header declares, received 100 bytes that end before it`);
  });

  it('accepts bytes after the end marker, and leaves other formats to their decoders', async () => {
    const jpeg = await gradient(96, 64).jpeg().toBuffer();
    expect(verdict(Buffer.concat([jpeg, Buffer.alloc(4096, 0xaa)]), 'jpeg')).toBe('complete');
    const png = await gradient(96, 64).png().toBuffer();
    expect(verdict(Buffer.concat([png, Buffer.from('trailing')]), 'png')).toBe('complete');
    const tiff = await gradient(96, 64).tiff().toBuffer();
    expect(verdict(tiff.subarray(0, 100), 'tiff')).toBe('complete');
  });

  it.skipIf(!haveSharedImages)('accepts every real photo whole, some with data after their end, and refuses them cut inside their image data', () => {
    const names = readdirSync(SHARED_IMAGES).filter((n) => /\.(jpe?g|png)$/i.test(n));
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      const data = sharedImage(name);
      const format = sniffFormat(data) as InputFormat;
      expect(verdict(data, format), name).toBe('complete');
      expect(verdict(data.subarray(0, Math.floor(data.length * 0.9)), format), name).toMatch(new RegExp(`^file_data: truncated ${format}: `));
    }
    expect(verdict(sharedImage('bad/truncated.jpg'), 'jpeg')).toMatch(/^file_data: truncated jpeg: expected the end-of-image marker/);
  });
});
