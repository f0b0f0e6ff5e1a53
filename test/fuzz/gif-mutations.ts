import { absurdSize, dropOrRepeatPart, flipBits, intBetween, pick, reorderParts, repeatCount, type Mutated, type Mutation } from './mutation.js';

interface Block {
  /** 0x21 extension, 0x2c image, 0x3b trailer. */
  introducer: number;
  bytes: Buffer;
}

interface Gif {
  /** Signature, logical screen descriptor and global colour table. */
  head: Buffer;
  blocks: Block[];
}

/** Sub-blocks (a size byte, that many bytes) up to the zero terminator; returns the offset after it. */
function skipSubBlocks(data: Buffer, at: number): number | undefined {
  while (at < data.length) {
    const size = data[at];
    at += 1 + size;
    if (size === 0) return at;
  }
  return undefined;
}

const block = (b: Block) => `block 0x${b.introducer.toString(16)}`;

function readGif(data: Buffer): Gif | undefined {
  if (data.length < 13 || data.toString('latin1', 0, 3) !== 'GIF') return undefined;
  const packed = data[10];
  const headLength = 13 + (packed & 0x80 ? 3 * 2 ** ((packed & 7) + 1) : 0);
  if (headLength > data.length) return undefined;
  const blocks: Block[] = [];
  for (let at = headLength; at < data.length; ) {
    const introducer = data[at];
    let end: number | undefined;
    if (introducer === 0x3b) end = at + 1;
    else if (introducer === 0x21) end = skipSubBlocks(data, at + 2);
    else if (introducer === 0x2c && at + 10 <= data.length) {
      const local = data[at + 9];
      // Descriptor, local colour table, LZW minimum code size, then the data sub-blocks.
      end = skipSubBlocks(data, at + 10 + (local & 0x80 ? 3 * 2 ** ((local & 7) + 1) : 0) + 1);
    }
    if (end === undefined || end > data.length) return undefined;
    blocks.push({ introducer, bytes: data.subarray(at, end) });
    at = end;
  }
  return { head: data.subarray(0, headLength), blocks };
}

function withGif(data: Buffer, change: (gif: Gif) => string | undefined): Mutated | undefined {
  const gif = readGif(data);
  if (!gif) return undefined;
  const what = change(gif);
  return what === undefined ? undefined : { data: Buffer.concat([gif.head, ...gif.blocks.map((b) => b.bytes)]), what };
}

/** A frame: its graphic control extension (when it has one) and its image block. */
function frameAt(gif: Gif, image: number): Block[] {
  const gce = image > 0 && gif.blocks[image - 1].introducer === 0x21 && gif.blocks[image - 1].bytes[1] === 0xf9;
  return gif.blocks.slice(gce ? image - 1 : image, image + 1);
}

export const gifMutations: Mutation[] = [
  {
    name: 'logical screen size',
    apply: (data, random) =>
      withGif(data, (gif) => {
        const head = Buffer.from(gif.head);
        const width = absurdSize(random, 16);
        const height = absurdSize(random, 16);
        head.writeUInt16LE(width, 6);
        head.writeUInt16LE(height, 8);
        gif.head = head;
        return `logical screen ${width}x${height}`;
      }),
  },
  {
    name: 'frame geometry',
    apply: (data, random) =>
      withGif(data, (gif) => {
        const images = gif.blocks.filter((b) => b.introducer === 0x2c);
        if (images.length === 0) return undefined;
        const image = pick(random, images);
        const bytes = Buffer.from(image.bytes);
        // left, top, width, height: 16 bits each after the introducer.
        const field = intBetween(random, 0, 3);
        const value = absurdSize(random, 16);
        bytes.writeUInt16LE(value, 1 + field * 2);
        image.bytes = bytes;
        return `image descriptor ${['left', 'top', 'width', 'height'][field]} = ${value}`;
      }),
  },
  {
    name: 'frame count',
    apply: (data, random) =>
      withGif(data, (gif) => {
        const image = gif.blocks.findIndex((b) => b.introducer === 0x2c);
        if (image < 0) return undefined;
        const frame = frameAt(gif, image);
        const times = repeatCount(random, frame.reduce((n, b) => n + b.bytes.length, 0));
        gif.blocks.splice(image + 1, 0, ...Array.from({ length: times }, () => frame).flat());
        return `repeat a frame ${times} more times`;
      }),
  },
  {
    name: 'LZW code size',
    apply: (data, random) =>
      withGif(data, (gif) => {
        const image = gif.blocks.find((b) => b.introducer === 0x2c);
        if (!image) return undefined;
        const bytes = Buffer.from(image.bytes);
        const local = bytes[9];
        const at = 10 + (local & 0x80 ? 3 * 2 ** ((local & 7) + 1) : 0);
        if (at >= bytes.length) return undefined;
        bytes[at] = pick(random, [0, 1, 9, 12, 13, 255]);
        image.bytes = bytes;
        return `LZW minimum code size ${bytes[at]}`;
      }),
  },
  {
    name: 'colour table flags',
    apply: (data, random) =>
      withGif(data, (gif) => {
        const head = Buffer.from(gif.head);
        // Claims (or drops) a global table without changing the bytes that follow.
        head[10] = pick(random, [0x00, 0x80, 0x87, 0xf7, 0xff]);
        gif.head = head;
        return `logical screen flags 0x${head[10].toString(16)}`;
      }),
  },
  { name: 'reorder blocks', apply: (data, random) => withGif(data, (gif) => reorderParts(random, gif.blocks, block)) },
  { name: 'drop or repeat a block', apply: (data, random) => withGif(data, (gif) => dropOrRepeatPart(random, gif.blocks, (b) => b.bytes.length, block)) },
  {
    name: 'damage inside a block',
    apply: (data, random) =>
      withGif(data, (gif) => {
        const candidates = gif.blocks.filter((b) => b.bytes.length > 1);
        if (candidates.length === 0) return undefined;
        const target = pick(random, candidates);
        target.bytes = flipBits(target.bytes, random, 1);
        return `flip bits inside a 0x${target.introducer.toString(16)} block`;
      }),
  },
];
