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
  const view = new DataView(exif.buffer, exif.byteOffset + start, exif.byteLength - start);
  if (view.byteLength < 8) return summary;
  const order = view.getUint16(0);
  if (order !== 0x4949 && order !== 0x4d4d) return summary;
  const little = order === 0x4949;
  const u16 = (at: number) => (at + 2 <= view.byteLength ? view.getUint16(at, little) : 0);
  const u32 = (at: number) => (at + 4 <= view.byteLength ? view.getUint32(at, little) : 0);
  const ascii = (entry: number) => {
    const count = u32(entry + 4);
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
  const readIfd = (offset: number, visit: (tag: number, entry: number) => void) => {
    const count = u16(offset);
    for (let k = 0; k < count && k < 512; k++) {
      const entry = offset + 2 + 12 * k;
      if (entry + 12 > view.byteLength) break;
      visit(u16(entry), entry);
    }
  };
  let dateTime = '';
  let dateOriginal = '';
  let exifIfd = 0;
  readIfd(u32(4), (tag, entry) => {
    if (tag === TAG_MAKE) summary.cameraMake = ascii(entry);
    else if (tag === TAG_MODEL) summary.cameraModel = ascii(entry);
    else if (tag === TAG_ORIENTATION) summary.orientation = u16(entry + 8);
    else if (tag === TAG_DATE_TIME) dateTime = ascii(entry);
    else if (tag === TAG_EXIF_IFD) exifIfd = u32(entry + 8);
  });
  if (exifIfd > 0) readIfd(exifIfd, (tag, entry) => tag === TAG_DATE_TIME_ORIGINAL && (dateOriginal = ascii(entry)));
  summary.dateTaken = dateOriginal || dateTime;
  return summary;
}
