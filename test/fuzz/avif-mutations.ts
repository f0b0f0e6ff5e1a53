import { absurdSize, dropOrRepeatPart, flipBits, intBetween, pick, reorderParts, type Mutated, type Mutation } from './mutation.js';

/** An ISO-BMFF box: its type, the payload up to its children (or all of it), and its children. */
interface Box {
  type: string;
  payload: Buffer;
  children?: Box[];
}

/** Boxes that hold boxes; `meta` is a full box, so 4 bytes of version and flags come first. */
const CONTAINERS: Record<string, number> = { meta: 4, iprp: 0, ipco: 0, dinf: 0, moov: 0, trak: 0, mdia: 0, minf: 0, stbl: 0, grpl: 0 };

function readBoxes(data: Buffer, depth = 0): Box[] | undefined {
  const boxes: Box[] = [];
  for (let at = 0; at < data.length; ) {
    if (at + 8 > data.length) return undefined;
    const size = data.readUInt32BE(at);
    const type = data.toString('latin1', at + 4, at + 8);
    // Sizes 0 (to the end) and 1 (64-bit) are legal but not what the encoder writes; refuse them here.
    if (size < 8 || at + size > data.length) return undefined;
    const body = data.subarray(at + 8, at + size);
    const skip = CONTAINERS[type];
    if (skip !== undefined && depth < 8 && body.length >= skip) {
      const children = readBoxes(body.subarray(skip), depth + 1);
      if (!children) return undefined;
      boxes.push({ type, payload: body.subarray(0, skip), children });
    } else {
      boxes.push({ type, payload: body });
    }
    at += size;
  }
  return boxes;
}

function writeBoxes(boxes: readonly Box[]): Buffer {
  return Buffer.concat(
    boxes.map((box) => {
      const body = Buffer.concat([box.payload, ...(box.children ? [writeBoxes(box.children)] : [])]);
      const head = Buffer.alloc(8);
      head.writeUInt32BE(body.length + 8, 0);
      head.write(box.type, 4, 'latin1');
      return Buffer.concat([head, body]);
    }),
  );
}

/** Every box, depth first. */
function allBoxes(boxes: Box[]): Box[] {
  return boxes.flatMap((box) => [box, ...(box.children ? allBoxes(box.children) : [])]);
}

/** The top-level list and every box's list of children. */
function boxLists(boxes: Box[]): Box[][] {
  return [boxes, ...allBoxes(boxes).flatMap((box) => (box.children && box.children.length > 0 ? [box.children] : []))];
}

const label = (box: Box) => `box ${box.type}`;

function withBoxes(data: Buffer, change: (boxes: Box[]) => string | undefined): Mutated | undefined {
  const boxes = readBoxes(data);
  if (!boxes || boxes.length === 0) return undefined;
  const what = change(boxes);
  return what === undefined ? undefined : { data: writeBoxes(boxes), what };
}

export const avifMutations: Mutation[] = [
  {
    name: 'ispe size',
    apply: (data, random) =>
      withBoxes(data, (boxes) => {
        const ispe = allBoxes(boxes).filter((box) => box.type === 'ispe' && box.payload.length >= 12);
        if (ispe.length === 0) return undefined;
        const box = pick(random, ispe);
        const payload = Buffer.from(box.payload);
        const width = absurdSize(random, 32);
        const height = absurdSize(random, 32);
        payload.writeUInt32BE(width, 4);
        payload.writeUInt32BE(height, 8);
        box.payload = payload;
        return `ispe ${width}x${height}`;
      }),
  },
  {
    name: 'damage inside a box',
    apply: (data, random) =>
      withBoxes(data, (boxes) => {
        const leaves = allBoxes(boxes).filter((box) => !box.children && box.payload.length > 0);
        if (leaves.length === 0) return undefined;
        // The item tables (iloc, iinf, ipma) and codec settings (av1C, pixi) are parsed before any pixel.
        const tables = leaves.filter((box) => ['iloc', 'iinf', 'ipma', 'av1C', 'pixi', 'pitm', 'colr', 'hdlr'].includes(box.type));
        const box = tables.length > 0 && random() < 0.7 ? pick(random, tables) : pick(random, leaves);
        box.payload = flipBits(box.payload, random, 0, box.type === 'mdat' ? Math.min(64, box.payload.length) : box.payload.length);
        return `flip bits inside ${box.type}`;
      }),
  },
  { name: 'reorder boxes', apply: (data, random) => withBoxes(data, (boxes) => reorderParts(random, pick(random, boxLists(boxes)), label)) },
  {
    name: 'drop or repeat a box',
    apply: (data, random) => withBoxes(data, (boxes) => dropOrRepeatPart(random, pick(random, boxLists(boxes)), (b) => writeBoxes([b]).length, label)),
  },
  {
    name: 'box size lie',
    apply(data, random) {
      const boxes = readBoxes(data);
      if (!boxes || boxes.length === 0) return undefined;
      // Top-level boxes only: their offsets are simple sums.
      const index = intBetween(random, 0, boxes.length - 1);
      let at = 0;
      for (let i = 0; i < index; i++) at += writeBoxes([boxes[i]]).length;
      const out = Buffer.from(data);
      const size = pick(random, [0, 1, 7, absurdSize(random, 32)]);
      out.writeUInt32BE(size, at);
      return { data: out, what: `box ${boxes[index].type} size = ${size}` };
    },
  },
];
