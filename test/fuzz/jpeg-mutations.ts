import { absurdSize, dropOrRepeatPart, flipBits, intBetween, pick, reorderParts, type Mutated, type Mutation } from './mutation.js';

interface Segment {
  marker: number;
  /** The segment's bytes after its length field. */
  body: Buffer;
}

interface Jpeg {
  /** The marker segments from SOI up to the first SOS. */
  segments: Segment[];
  /** The first SOS and everything after it (scans, later tables, EOI), kept as bytes. */
  scan: Buffer;
}

const SOS = 0xda;
/** Start-of-frame markers (baseline, extended, progressive, lossless, ...), not DHT (C4), JPG (C8) or DAC (CC). */
const isSof = (marker: number) => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

const marker = (segment: Segment) => `segment FF${segment.marker.toString(16)}`;

function readJpeg(data: Buffer): Jpeg | undefined {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) return undefined;
  const segments: Segment[] = [];
  for (let at = 2; at + 4 <= data.length; ) {
    if (data[at] !== 0xff) return undefined;
    const marker = data[at + 1];
    if (marker === SOS) return { segments, scan: data.subarray(at) };
    const length = data.readUInt16BE(at + 2);
    if (length < 2 || at + 2 + length > data.length) return undefined;
    segments.push({ marker, body: data.subarray(at + 4, at + 2 + length) });
    at += 2 + length;
  }
  return undefined;
}

function writeJpeg({ segments, scan }: Jpeg): Buffer {
  const parts: Buffer[] = [Buffer.from([0xff, 0xd8])];
  for (const { marker, body } of segments) {
    const head = Buffer.from([0xff, marker, 0, 0]);
    head.writeUInt16BE(Math.min(0xffff, body.length + 2), 2);
    parts.push(head, body);
  }
  parts.push(scan);
  return Buffer.concat(parts);
}

function withSegments(data: Buffer, change: (jpeg: Jpeg) => string | undefined): Mutated | undefined {
  const jpeg = readJpeg(data);
  if (!jpeg) return undefined;
  const what = change(jpeg);
  return what === undefined ? undefined : { data: writeJpeg(jpeg), what };
}

/** SOF body: precision (1), height (2), width (2), component count (1), then 3 bytes per component. */
function withSof(data: Buffer, change: (sof: Buffer) => string): Mutated | undefined {
  return withSegments(data, ({ segments }) => {
    const sof = segments.find((s) => isSof(s.marker) && s.body.length >= 6);
    if (!sof) return undefined;
    sof.body = Buffer.from(sof.body);
    return change(sof.body);
  });
}

export const jpegMutations: Mutation[] = [
  {
    name: 'SOF size',
    apply: (data, random) =>
      withSof(data, (sof) => {
        const height = random() < 0.7 ? absurdSize(random, 16) : sof.readUInt16BE(1);
        const width = random() < 0.7 ? absurdSize(random, 16) : sof.readUInt16BE(3);
        sof.writeUInt16BE(height, 1);
        sof.writeUInt16BE(width, 3);
        return `SOF ${width}x${height}`;
      }),
  },
  {
    name: 'SOF components',
    apply: (data, random) =>
      withSof(data, (sof) => {
        const field = pick(random, ['precision', 'count', 'sampling', 'table'] as const);
        if (field === 'precision') sof[0] = pick(random, [0, 1, 12, 16, 255]);
        else if (field === 'count') sof[5] = pick(random, [0, 2, 4, 5, 255]);
        else if (sof.length >= 9) sof[field === 'sampling' ? 7 : 8] = pick(random, [0x00, 0x11, 0x44, 0x0f, 0xf0, 0xff]);
        return `SOF ${field} changed`;
      }),
  },
  { name: 'reorder segments', apply: (data, random) => withSegments(data, ({ segments }) => reorderParts(random, segments, marker)) },
  {
    name: 'drop or repeat a segment',
    apply: (data, random) => withSegments(data, ({ segments }) => dropOrRepeatPart(random, segments, (s) => s.body.length + 4, marker)),
  },
  {
    name: 'damage inside a segment',
    apply: (data, random) =>
      withSegments(data, (jpeg) => {
        const candidates = jpeg.segments.filter((s) => s.body.length > 0);
        if (candidates.length === 0) return undefined;
        // EXIF (APP1) and ICC (APP2) are read by the service's own parsers: damage them most often.
        const app = candidates.filter((s) => s.marker === 0xe1 || s.marker === 0xe2);
        const target = app.length > 0 && random() < 0.6 ? pick(random, app) : pick(random, candidates);
        target.body = flipBits(target.body, random);
        return `flip bits inside FF${target.marker.toString(16)}`;
      }),
  },
  {
    name: 'restart interval',
    apply: (data, random) =>
      withSegments(data, (jpeg) => {
        const body = Buffer.alloc(2);
        body.writeUInt16BE(absurdSize(random, 16));
        jpeg.segments.push({ marker: 0xdd, body });
        return `DRI ${body.readUInt16BE()}`;
      }),
  },
  {
    name: 'segment length lie',
    apply(data, random) {
      const jpeg = readJpeg(data);
      if (!jpeg || jpeg.segments.length === 0) return undefined;
      const index = intBetween(random, 0, jpeg.segments.length - 1);
      let at = 2;
      for (let i = 0; i < index; i++) at += 4 + jpeg.segments[i].body.length;
      const out = Buffer.from(data);
      const length = absurdSize(random, 16);
      out.writeUInt16BE(length, at + 2);
      return { data: out, what: `segment ${index} (FF${jpeg.segments[index].marker.toString(16)}) length = ${length}` };
    },
  },
];
