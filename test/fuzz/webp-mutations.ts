import { absurdSize, dropOrRepeatPart, flipBits, intBetween, pick, reorderParts, repeatCount, type Mutated, type Mutation } from './mutation.js';

interface Chunk {
  fourCc: string;
  data: Buffer;
}

/** RIFF, size, WEBP, then chunks (fourCC, little-endian size, data, a pad byte when odd). */
function readChunks(webp: Buffer): Chunk[] | undefined {
  if (webp.length < 12 || webp.toString('latin1', 0, 4) !== 'RIFF' || webp.toString('latin1', 8, 12) !== 'WEBP') return undefined;
  const chunks: Chunk[] = [];
  for (let at = 12; at < webp.length; ) {
    if (at + 8 > webp.length) return undefined;
    const size = webp.readUInt32LE(at + 4);
    if (at + 8 + size > webp.length) return undefined;
    chunks.push({ fourCc: webp.toString('latin1', at, at + 4), data: webp.subarray(at + 8, at + 8 + size) });
    at += 8 + size + (size % 2);
  }
  return chunks.length > 0 ? chunks : undefined;
}

function writeChunks(chunks: readonly Chunk[]): Buffer {
  const parts: Buffer[] = [];
  for (const { fourCc, data } of chunks) {
    const head = Buffer.alloc(8);
    head.write(fourCc, 0, 'latin1');
    head.writeUInt32LE(data.length, 4);
    parts.push(head, data);
    if (data.length % 2) parts.push(Buffer.alloc(1));
  }
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(12);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(body.length + 4, 4);
  head.write('WEBP', 8, 'latin1');
  return Buffer.concat([head, body]);
}

function withChunks(webp: Buffer, change: (chunks: Chunk[]) => string | undefined): Mutated | undefined {
  const chunks = readChunks(webp);
  if (!chunks) return undefined;
  const what = change(chunks);
  return what === undefined ? undefined : { data: writeChunks(chunks), what };
}

const writeUInt24LE = (buffer: Buffer, value: number, at: number) => buffer.writeUIntLE(value & 0xffffff, at, 3);

export const webpMutations: Mutation[] = [
  {
    name: 'VP8X canvas',
    apply: (webp, random) =>
      withChunks(webp, (chunks) => {
        let vp8x = chunks.find((c) => c.fourCc === 'VP8X' && c.data.length >= 10);
        if (!vp8x) {
          vp8x = { fourCc: 'VP8X', data: Buffer.alloc(10) };
          chunks.unshift(vp8x);
        }
        const data = Buffer.from(vp8x.data);
        const width = absurdSize(random, 24);
        const height = absurdSize(random, 24);
        // Stored as size - 1.
        writeUInt24LE(data, width - 1, 4);
        writeUInt24LE(data, height - 1, 7);
        vp8x.data = data;
        return `VP8X canvas ${width}x${height}`;
      }),
  },
  {
    name: 'bitstream size',
    apply: (webp, random) =>
      withChunks(webp, (chunks) => {
        const frame = chunks.find((c) => (c.fourCc === 'VP8 ' && c.data.length >= 10) || (c.fourCc === 'VP8L' && c.data.length >= 5));
        if (!frame) return undefined;
        const data = Buffer.from(frame.data);
        const width = absurdSize(random, 16) & 0x3fff;
        const height = absurdSize(random, 16) & 0x3fff;
        if (frame.fourCc === 'VP8 ') {
          data.writeUInt16LE(width, 6);
          data.writeUInt16LE(height, 8);
        } else {
          // 14 bits of width - 1, 14 of height - 1, then alpha and version bits kept.
          const rest = data.readUInt32LE(1) & 0xf0000000;
          data.writeUInt32LE((rest | ((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14)) >>> 0, 1);
        }
        frame.data = data;
        return `${frame.fourCc.trim()} frame ${width}x${height}`;
      }),
  },
  {
    name: 'frame count',
    apply: (webp, random) =>
      withChunks(webp, (chunks) => {
        const at = chunks.findIndex((c) => c.fourCc === 'ANMF');
        if (at < 0) return undefined;
        const times = repeatCount(random, chunks[at].data.length + 8);
        chunks.splice(at, 0, ...Array.from({ length: times }, () => chunks[at]));
        return `repeat an ANMF frame ${times} more times`;
      }),
  },
  {
    name: 'frame geometry',
    apply: (webp, random) =>
      withChunks(webp, (chunks) => {
        const frames = chunks.filter((c) => c.fourCc === 'ANMF' && c.data.length >= 16);
        if (frames.length === 0) return undefined;
        const frame = pick(random, frames);
        const data = Buffer.from(frame.data);
        // X/2, Y/2, width - 1, height - 1: 24 bits each.
        const field = intBetween(random, 0, 3);
        const value = absurdSize(random, 24);
        writeUInt24LE(data, value, field * 3);
        frame.data = data;
        return `ANMF ${['x', 'y', 'width', 'height'][field]} field = ${value}`;
      }),
  },
  { name: 'reorder chunks', apply: (webp, random) => withChunks(webp, (chunks) => reorderParts(random, chunks, (c) => `chunk ${c.fourCc}`)) },
  {
    name: 'drop or repeat a chunk',
    apply: (webp, random) => withChunks(webp, (chunks) => dropOrRepeatPart(random, chunks, (c) => c.data.length + 8, (c) => `chunk ${c.fourCc}`)),
  },
  {
    name: 'damage inside a chunk',
    apply: (webp, random) =>
      withChunks(webp, (chunks) => {
        const candidates = chunks.filter((c) => c.data.length > 0);
        if (candidates.length === 0) return undefined;
        const target = pick(random, candidates);
        // Most often the first bytes, where the frame header and sizes are.
        target.data = flipBits(target.data, random, 0, random() < 0.6 ? Math.min(32, target.data.length) : target.data.length);
        return `flip bits inside ${target.fourCc}`;
      }),
  },
  {
    name: 'RIFF size lie',
    apply(webp, random) {
      if (!readChunks(webp)) return undefined;
      const out = Buffer.from(webp);
      const size = absurdSize(random, 32);
      out.writeUInt32LE(size, 4);
      return { data: out, what: `RIFF size = ${size}` };
    },
  },
];
