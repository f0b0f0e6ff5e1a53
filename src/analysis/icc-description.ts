import { parse } from 'icc';

const UTF16BE = new TextDecoder('utf-16be');

/**
 * The profile description of an ICC profile (the 'desc' tag), read by the `icc` package; empty when
 * the profile is absent or unreadable. A v4 profile's description is a 'mluc' list of localised
 * names, of which `icc` (4.0) returns the first whatever its language: the English one is looked up
 * here instead, when there is one.
 */
export function iccDescription(icc: Uint8Array | undefined): string {
  if (!icc) return '';
  const buffer = Buffer.from(icc.buffer, icc.byteOffset, icc.byteLength);
  // `icc` walks as many tag entries as the profile declares, past its end without noticing: a corrupt
  // count of 4 billion held a worker thread for minutes (a fuzz case). A table that cannot fit is
  // a profile nobody can read.
  if (buffer.length < 132) return '';
  const tags = buffer.readUInt32BE(128);
  if (tags > (buffer.length - 132) / 12) return '';
  try {
    const profile = parse(buffer);
    return (englishMlucDescription(buffer, tags) ?? profile.description ?? '').replace(/\0[^]*$/, '').trim();
  } catch {
    // Not a profile icc can read (wrong length, no 'acsp' signature, a tag out of bounds).
    return '';
  }
}

/**
 * The 'en' record of a 'mluc' description tag; undefined when the tag is of another type or has none.
 * `tags` is the table's size, already checked to fit in the profile.
 */
function englishMlucDescription(icc: Buffer, tags: number): string | undefined {
  for (let k = 0; k < tags; k++) {
    const entry = 132 + 12 * k;
    if (icc.toString('latin1', entry, entry + 4) !== 'desc') continue;
    const tag = icc.readUInt32BE(entry + 4);
    if (icc.toString('latin1', tag, tag + 4) !== 'mluc') return undefined;
    const recordSize = icc.readUInt32BE(tag + 12);
    if (recordSize < 12) return undefined;
    // The record count is the file's word too: a list past the end of the profile is cut there.
    const records = Math.min(icc.readUInt32BE(tag + 8), Math.floor((icc.length - tag - 16) / recordSize));
    for (let r = 0; r < records; r++) {
      const record = tag + 16 + r * recordSize;
      if (icc.toString('latin1', record, record + 2) !== 'en') continue;
      const start = tag + icc.readUInt32BE(record + 8);
      return UTF16BE.decode(icc.subarray(start, start + icc.readUInt32BE(record + 4)));
    }
    return undefined;
  }
  return undefined;
}
