import { ifdEntries, readTiff, type IfdEntry } from '../util/tiff-ifd.js';

/** The few EXIF fields the analysis reports, read straight from the TIFF structure sharp hands over. */
export interface ExifSummary {
  orientation: number;
  cameraMake: string;
  cameraModel: string;
  /** As written, e.g. "2021:06:01 12:00:00": DateTimeOriginal, else DateTime. */
  dateTaken: string;
}

const TAG_MAKE = 0x010f;
const TAG_MODEL = 0x0110;
const TAG_ORIENTATION = 0x0112;
const TAG_DATE_TIME = 0x0132;
const TAG_EXIF_IFD = 0x8769;
const TAG_DATE_TIME_ORIGINAL = 0x9003;

/** Parses an EXIF block ("Exif\0\0" + TIFF, or bare TIFF); fields missing or unreadable stay empty / 0. */
export function exifSummary(exif: Uint8Array | undefined): ExifSummary {
  const summary: ExifSummary = { orientation: 0, cameraMake: '', cameraModel: '', dateTaken: '' };
  if (!exif || exif.length < 14) return summary;
  const start = exif[0] === 0x45 && exif[1] === 0x78 && exif[2] === 0x69 && exif[3] === 0x66 ? 6 : 0; // "Exif\0\0"
  const tiff = readTiff(new DataView(exif.buffer, exif.byteOffset + start, exif.byteLength - start));
  if (!tiff) return summary;
  const { view, little } = tiff;
  const u32 = (at: number) => (at + 4 <= view.byteLength ? view.getUint32(at, little) : 0);
  const ascii = ({ count, at: entry }: IfdEntry) => {
    const at = count <= 4 ? entry + 8 : u32(entry + 8);
    if (count === 0 || at + count > view.byteLength) return '';
    let s = '';
    for (let i = 0; i < count; i++) {
      const c = view.getUint8(at + i);
      if (c === 0) break;
      s += String.fromCharCode(c);
    }
    return s.trim();
  };
  let dateTime = '';
  let exifIfd = 0;
  for (const entry of ifdEntries(tiff, tiff.ifd0).entries) {
    if (entry.tag === TAG_MAKE) summary.cameraMake = ascii(entry);
    else if (entry.tag === TAG_MODEL) summary.cameraModel = ascii(entry);
    else if (entry.tag === TAG_ORIENTATION) summary.orientation = view.getUint16(entry.at + 8, little);
    else if (entry.tag === TAG_DATE_TIME) dateTime = ascii(entry);
    else if (entry.tag === TAG_EXIF_IFD) exifIfd = u32(entry.at + 8);
  }
  const original = exifIfd > 0 ? ifdEntries(tiff, exifIfd).entries.find((e) => e.tag === TAG_DATE_TIME_ORIGINAL) : undefined;
  summary.dateTaken = (original && ascii(original)) || dateTime;
  return summary;
}
