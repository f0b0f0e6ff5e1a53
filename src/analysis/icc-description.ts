/**
 * The profile description ('desc' tag) of an ICC profile: the v2 'desc' type (ASCII) or the v4 'mluc'
 * type (UTF-16BE, English record preferred). Empty when absent or unreadable.
 */
export function iccDescription(icc: Uint8Array | undefined): string {
  if (!icc || icc.length < 132) return '';
  const view = new DataView(icc.buffer, icc.byteOffset, icc.byteLength);
  const tags = view.getUint32(128);
  for (let k = 0; k < tags && 132 + 12 * (k + 1) <= icc.length; k++) {
    const entry = 132 + 12 * k;
    if (view.getUint32(entry) !== 0x64657363) continue; // 'desc'
    const offset = view.getUint32(entry + 4);
    const size = view.getUint32(entry + 8);
    if (offset + Math.max(size, 12) > icc.length) return '';
    const type = view.getUint32(offset);
    if (type === 0x64657363) {
      const count = view.getUint32(offset + 8);
      let s = '';
      for (let i = 0; i < count && offset + 12 + i < icc.length; i++) {
        const c = icc[offset + 12 + i];
        if (c === 0) break;
        s += String.fromCharCode(c);
      }
      return s.trim();
    }
    if (type === 0x6d6c7563) {
      const records = view.getUint32(offset + 8);
      const recordSize = view.getUint32(offset + 12);
      let chosen = -1;
      for (let r = 0; r < records; r++) {
        const rec = offset + 16 + r * recordSize;
        if (rec + 12 > icc.length) break;
        if (chosen < 0 || view.getUint16(rec) === 0x656e) chosen = rec; // 'en'
        if (view.getUint16(rec) === 0x656e) break;
      }
      if (chosen < 0) return '';
      const length = view.getUint32(chosen + 4);
      const at = offset + view.getUint32(chosen + 8);
      let s = '';
      for (let i = 0; i + 1 < length && at + i + 1 < icc.length; i += 2) {
        const c = view.getUint16(at + i);
        if (c === 0) break;
        s += String.fromCharCode(c);
      }
      return s.trim();
    }
    return '';
  }
  return '';
}
