import { crc32 } from 'node:zlib';
import { absurdSize, dropOrRepeatPart, flipBits, intBetween, pick, reorderParts, type Mutation } from './mutation.js';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface Chunk {
  type: string;
  data: Buffer;
}

/** The chunks after the signature, or undefined when the bytes are not a whole chunk list. */
function readChunks(png: Buffer): Chunk[] | undefined {
  if (!png.subarray(0, 8).equals(SIGNATURE)) return undefined;
  const chunks: Chunk[] = [];
  for (let at = 8; at < png.length; ) {
    if (at + 12 > png.length) return undefined;
    const length = png.readUInt32BE(at);
    if (at + 12 + length > png.length) return undefined;
    chunks.push({ type: png.toString('latin1', at + 4, at + 8), data: png.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  return chunks.length > 0 ? chunks : undefined;
}

/** Chunks back to a PNG with every CRC recomputed, so a decoder gets past its checksum test. */
function writeChunks(chunks: readonly Chunk[]): Buffer {
  const parts: Buffer[] = [SIGNATURE];
  for (const { type, data } of chunks) {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0);
    parts.push(head, data, crc);
  }
  return Buffer.concat(parts);
}

/** Parses, lets `change` edit the chunk list, writes it back with valid CRCs. */
function withChunks(png: Buffer, change: (chunks: Chunk[]) => string | undefined): { data: Buffer; what: string } | undefined {
  const chunks = readChunks(png);
  if (!chunks) return undefined;
  const what = change(chunks);
  return what === undefined ? undefined : { data: writeChunks(chunks), what };
}

function chunk(type: string, data: Buffer): Chunk {
  return { type, data };
}

function acTL(frames: number): Chunk {
  const data = Buffer.alloc(8);
  data.writeUInt32BE(frames, 0);
  return chunk('acTL', data);
}

export const pngMutations: Mutation[] = [
  {
    name: 'IHDR size',
    apply: (png, random) =>
      withChunks(png, (chunks) => {
        const ihdr = chunks.find((c) => c.type === 'IHDR');
        if (!ihdr || ihdr.data.length < 8) return undefined;
        const data = Buffer.from(ihdr.data);
        const width = random() < 0.7 ? absurdSize(random, 32) : data.readUInt32BE(0);
        const height = random() < 0.7 ? absurdSize(random, 32) : data.readUInt32BE(4);
        data.writeUInt32BE(width, 0);
        data.writeUInt32BE(height, 4);
        ihdr.data = data;
        return `IHDR ${width}x${height} (CRC valid)`;
      }),
  },
  {
    name: 'IHDR fields',
    apply: (png, random) =>
      withChunks(png, (chunks) => {
        const ihdr = chunks.find((c) => c.type === 'IHDR');
        if (!ihdr || ihdr.data.length < 13) return undefined;
        const data = Buffer.from(ihdr.data);
        // bit depth, colour type, compression, filter, interlace
        const at = intBetween(random, 8, 12);
        data[at] = pick(random, [0, 1, 2, 3, 4, 6, 7, 8, 16, 255]);
        ihdr.data = data;
        return `IHDR byte ${at} = ${data[at]} (CRC valid)`;
      }),
  },
  { name: 'reorder chunks', apply: (png, random) => withChunks(png, (chunks) => reorderParts(random, chunks, (c) => `chunk ${c.type}`)) },
  {
    name: 'drop or repeat a chunk',
    apply: (png, random) => withChunks(png, (chunks) => dropOrRepeatPart(random, chunks, (c) => c.data.length + 12, (c) => `chunk ${c.type}`)),
  },
  {
    name: 'damage inside a chunk',
    apply: (png, random) =>
      withChunks(png, (chunks) => {
        const candidates = chunks.filter((c) => c.data.length > 0);
        if (candidates.length === 0) return undefined;
        const target = pick(random, candidates);
        target.data = flipBits(target.data, random);
        return `flip bits inside ${target.type} (CRC valid)`;
      }),
  },
  {
    name: 'split IDAT',
    apply: (png, random) =>
      withChunks(png, (chunks) => {
        const at = chunks.findIndex((c) => c.type === 'IDAT');
        if (at < 0) return undefined;
        const idat = chunks[at].data;
        const piece = pick(random, [1, 7, 64]);
        const pieces: Chunk[] = [];
        for (let i = 0; i < idat.length; i += piece) pieces.push(chunk('IDAT', idat.subarray(i, i + piece)));
        // Empty IDATs are legal and cost a decoder a chunk header each.
        const empties = pick(random, [0, 0, 10_000]);
        chunks.splice(at, 1, ...pieces, ...Array.from({ length: empties }, () => chunk('IDAT', Buffer.alloc(0))));
        return `split IDAT into ${pieces.length} pieces of ${piece} bytes and ${empties} empty ones`;
      }),
  },
  {
    name: 'APNG frame count',
    apply: (png, random) =>
      withChunks(png, (chunks) => {
        const frames = absurdSize(random, 32);
        chunks.splice(1, 0, acTL(frames));
        return `acTL with ${frames} frames`;
      }),
  },
  {
    name: 'chunk length lie',
    apply(png, random) {
      const chunks = readChunks(png);
      if (!chunks) return undefined;
      // The length field of one chunk rewritten after the fact: CRCs no longer line up with anything.
      const index = intBetween(random, 0, chunks.length - 1);
      let at = 8;
      for (let i = 0; i < index; i++) at += 12 + chunks[i].data.length;
      const out = Buffer.from(png);
      const length = absurdSize(random, 32);
      out.writeUInt32BE(length, at);
      return { data: out, what: `chunk ${index} (${chunks[index].type}) length field = ${length}` };
    },
  },
];
