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
  const tags = icc.readUInt32BE(128);
  for (let k = 0; k < tags; k++) {
    const entry = 132 + 12 * k;
    if (icc.toString('latin1', entry, entry + 4) !== 'desc') continue;
    const tag = icc.readUInt32BE(entry + 4);
    if (icc.toString('latin1', tag, tag + 4) !== 'mluc') return undefined;
    const records = icc.readUInt32BE(tag + 8);
    const recordSize = icc.readUInt32BE(tag + 12);
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
