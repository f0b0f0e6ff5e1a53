/**
 * The TIFF structure EXIF is stored in: a byte-order mark ("II" little-endian, "MM" big-endian), 42,
 * the offset of IFD0; each IFD is a count and 12-byte entries (tag, type, count, value or offset).
 * Offsets inside it count from its start. Shared by the pipeline's strict orientation read
 * (jpeg-header.ts), which needs to know when the structure is damaged, and the analysis' lenient
 * summary (exif-summary.ts), which reads what it can.
 */
export interface Tiff {
  /** The structure's bytes: offsets count from `view`'s start. */
  view: DataView;
  little: boolean;
  /** IFD0's offset. */
  ifd0: number;
}

/** The TIFF header at the start of `view`, or undefined when it is not one (cut short, no byte-order mark, not 42). */
export function readTiff(view: DataView): Tiff | undefined {
  if (view.byteLength < 8) return undefined;
  const order = view.getUint16(0);
  if (order !== 0x4949 && order !== 0x4d4d) return undefined;
  const little = order === 0x4949;
  if (view.getUint16(2, little) !== 42) return undefined;
  return { view, little, ifd0: view.getUint32(4, little) };
}

/** One IFD entry: its tag, TIFF type (3 SHORT, 4 LONG, 2 ASCII, ...), value count and byte offset. */
export interface IfdEntry {
  tag: number;
  type: number;
  count: number;
  /** Where the entry starts; its value (or the value's offset) is at `at + 8`. */
  at: number;
}

/**
 * The entries of the IFD at `offset`, in order, as far as they lie inside the structure (at most `max`);
 * `whole` says whether every entry its count declares did.
 */
export function ifdEntries(tiff: Tiff, offset: number, max = 512): { entries: IfdEntry[]; whole: boolean } {
  const { view, little } = tiff;
  if (offset + 2 > view.byteLength) return { entries: [], whole: false };
  const declared = view.getUint16(offset, little);
  const entries: IfdEntry[] = [];
  for (let i = 0; i < declared && i < max; i++) {
    const at = offset + 2 + 12 * i;
    if (at + 12 > view.byteLength) break;
    entries.push({ tag: view.getUint16(at, little), type: view.getUint16(at + 2, little), count: view.getUint32(at + 4, little), at });
  }
  return { entries, whole: entries.length === declared };
}
