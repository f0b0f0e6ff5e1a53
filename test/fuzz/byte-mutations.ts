import { absurdSize, flipBits, intBetween, pick, type Mutation } from './mutation.js';

/** Damage that knows nothing of the format: what a broken disk, network or editor does to a file. */
export const byteMutations: Mutation[] = [
  {
    name: 'truncate',
    apply(data, random) {
      // Half the cuts fall in the first 256 bytes, where the headers are.
      const at = random() < 0.5 ? intBetween(random, 0, Math.min(256, data.length - 1)) : intBetween(random, 0, data.length - 1);
      return { data: data.subarray(0, at), what: `truncate to ${at} bytes` };
    },
  },
  {
    name: 'flip bits',
    apply(data, random) {
      const headerOnly = random() < 0.5;
      const to = headerOnly ? Math.min(data.length, 512) : data.length;
      return { data: flipBits(data, random, 0, to), what: `flip bits in the first ${to} bytes` };
    },
  },
  {
    name: 'overwrite bytes',
    apply(data, random) {
      const out = Buffer.from(data);
      const count = intBetween(random, 1, 6);
      for (let i = 0; i < count; i++) out[intBetween(random, 0, out.length - 1)] = pick(random, [0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe]);
      return { data: out, what: `overwrite ${count} bytes with edge values` };
    },
  },
  {
    name: 'overwrite a 32-bit word',
    apply(data, random) {
      if (data.length < 8) return undefined;
      const out = Buffer.from(data);
      const at = intBetween(random, 0, Math.min(out.length, 1024) - 4);
      const value = absurdSize(random, 32);
      if (random() < 0.5) out.writeUInt32BE(value, at);
      else out.writeUInt32LE(value, at);
      return { data: out, what: `write ${value} as a 32-bit word at ${at}` };
    },
  },
  {
    name: 'insert junk',
    apply(data, random) {
      const at = intBetween(random, 0, data.length);
      const junk = Buffer.alloc(intBetween(random, 1, 64), intBetween(random, 0, 255));
      return { data: Buffer.concat([data.subarray(0, at), junk, data.subarray(at)]), what: `insert ${junk.length} bytes at ${at}` };
    },
  },
  {
    name: 'delete span',
    apply(data, random) {
      const from = intBetween(random, 0, data.length - 1);
      const to = Math.min(data.length, from + intBetween(random, 1, 256));
      return { data: Buffer.concat([data.subarray(0, from), data.subarray(to)]), what: `delete bytes ${from}..${to}` };
    },
  },
  {
    name: 'duplicate span',
    apply(data, random) {
      const from = intBetween(random, 0, data.length - 1);
      const to = Math.min(data.length, from + intBetween(random, 1, 512));
      const at = intBetween(random, 0, data.length);
      return { data: Buffer.concat([data.subarray(0, at), data.subarray(from, to), data.subarray(at)]), what: `copy bytes ${from}..${to} to ${at}` };
    },
  },
];
