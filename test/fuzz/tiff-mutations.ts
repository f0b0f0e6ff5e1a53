import { absurdSize, flipBits, intBetween, pick, repeatCount, type Mutated, type Mutation } from './mutation.js';

interface Ifd0 {
  little: boolean;
  /** Where IFD0 starts (its entry count). */
  at: number;
  count: number;
  /** Where the next-IFD offset sits. */
  next: number;
}

/** Tags whose values decide how much a decoder allocates or where it reads. */
const SIZE_TAGS = [256, 257, 258, 259, 262, 273, 277, 278, 279, 284, 322, 323, 324, 325, 338, 339];

function readIfd0(data: Buffer): Ifd0 | undefined {
  if (data.length < 8) return undefined;
  const order = data.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') return undefined;
  const little = order === 'II';
  const at = little ? data.readUInt32LE(4) : data.readUInt32BE(4);
  if (at + 2 > data.length) return undefined;
  const count = little ? data.readUInt16LE(at) : data.readUInt16BE(at);
  const next = at + 2 + count * 12;
  return next + 4 <= data.length ? { little, at, count, next } : undefined;
}

function writer(out: Buffer, little: boolean) {
  return {
    u16: (value: number, at: number) => (little ? out.writeUInt16LE(value & 0xffff, at) : out.writeUInt16BE(value & 0xffff, at)),
    u32: (value: number, at: number) => (little ? out.writeUInt32LE(value >>> 0, at) : out.writeUInt32BE(value >>> 0, at)),
    r16: (at: number) => (little ? out.readUInt16LE(at) : out.readUInt16BE(at)),
  };
}

function withIfd0(data: Buffer, change: (out: Buffer, ifd: Ifd0) => string | undefined): Mutated | undefined {
  const ifd = readIfd0(data);
  if (!ifd) return undefined;
  const out = Buffer.from(data);
  const what = change(out, ifd);
  return what === undefined ? undefined : { data: out, what };
}

export const tiffMutations: Mutation[] = [
  {
    name: 'tag value',
    apply: (data, random) =>
      withIfd0(data, (out, ifd) => {
        const w = writer(out, ifd.little);
        const entries = Array.from({ length: ifd.count }, (_, i) => ifd.at + 2 + i * 12);
        const sized = entries.filter((e) => SIZE_TAGS.includes(w.r16(e)));
        if (entries.length === 0) return undefined;
        const entry = sized.length > 0 && random() < 0.8 ? pick(random, sized) : pick(random, entries);
        const tag = w.r16(entry);
        const type = w.r16(entry + 2);
        const value = absurdSize(random, type === 3 ? 16 : 32);
        if (type === 3) w.u16(value, entry + 8);
        else w.u32(value, entry + 8);
        return `tag ${tag} value = ${value}`;
      }),
  },
  {
    name: 'entry type or count',
    apply: (data, random) =>
      withIfd0(data, (out, ifd) => {
        if (ifd.count === 0) return undefined;
        const w = writer(out, ifd.little);
        const entry = ifd.at + 2 + intBetween(random, 0, ifd.count - 1) * 12;
        if (random() < 0.5) {
          const type = pick(random, [0, 1, 2, 5, 12, 13, 16, 255]);
          w.u16(type, entry + 2);
          return `tag ${w.r16(entry)} type = ${type}`;
        }
        const count = absurdSize(random, 32);
        w.u32(count, entry + 4);
        return `tag ${w.r16(entry)} count = ${count}`;
      }),
  },
  {
    name: 'IFD loop',
    apply: (data, random) =>
      withIfd0(data, (out, ifd) => {
        const target = pick(random, [ifd.at, 8, 0xffffffff, out.length - 2]);
        writer(out, ifd.little).u32(target, ifd.next);
        return `IFD0's next IFD = ${target}`;
      }),
  },
  {
    name: 'page count',
    apply(data, random) {
      const ifd = readIfd0(data);
      if (!ifd) return undefined;
      // Copies of IFD0 chained after the file: each a page sharing the first one's strips.
      const length = 2 + ifd.count * 12 + 4;
      const times = repeatCount(random, length);
      const copies = Buffer.alloc(times * length);
      const w = writer(copies, ifd.little);
      for (let i = 0; i < times; i++) {
        data.copy(copies, i * length, ifd.at, ifd.at + length);
        w.u32(i + 1 < times ? data.length + (i + 1) * length : 0, i * length + length - 4);
      }
      const out = Buffer.concat([data, copies]);
      writer(out, ifd.little).u32(data.length, ifd.next);
      return { data: out, what: `${times} more pages (copies of IFD0)` };
    },
  },
  {
    name: 'IFD offsets',
    apply: (data, random) =>
      withIfd0(data, (out, ifd) => {
        const w = writer(out, ifd.little);
        if (random() < 0.5) {
          const count = absurdSize(random, 16);
          w.u16(count, ifd.at);
          return `IFD0 entry count = ${count}`;
        }
        const offset = absurdSize(random, 32);
        w.u32(offset, 4);
        return `IFD0 offset = ${offset}`;
      }),
  },
  {
    name: 'damage inside IFD0',
    apply(data, random) {
      const ifd = readIfd0(data);
      return ifd && { data: flipBits(data, random, ifd.at, ifd.next + 4), what: 'flip bits inside IFD0' };
    },
  },
];
