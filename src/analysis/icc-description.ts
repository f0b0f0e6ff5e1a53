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
  if (buffer.length < 132 || buffer.readUInt32BE(128) > (buffer.length - 132) / 12) return '';
  try {
    const profile = parse(buffer);
    return (englishMlucDescription(buffer) ?? profile.description ?? '').replace(/\0[^]*$/, '').trim();
  } catch {
    // Not a profile icc can read (wrong length, no 'acsp' signature, a tag out of bounds).
    return '';
  }
}

/** The 'en' record of a 'mluc' description tag; undefined when the tag is of another type or has none. */
function englishMlucDescription(icc: Buffer): string | undefined {
  if (icc.length < 132) return undefined;
  // The counts are the file's word: a tag table or record list past the end of the profile is cut
  // there (a corrupt count of 4 billion would otherwise loop for minutes, reading nothing).
  const tags = Math.min(icc.readUInt32BE(128), Math.floor((icc.length - 132) / 12));
  for (let k = 0; k < tags; k++) {
    const entry = 132 + 12 * k;
    if (icc.toString('latin1', entry, entry + 4) !== 'desc') continue;
    const tag = icc.readUInt32BE(entry + 4);
    if (icc.toString('latin1', tag, tag + 4) !== 'mluc') return undefined;
    const recordSize = icc.readUInt32BE(tag + 12);
    if (recordSize < 12) return undefined;
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
