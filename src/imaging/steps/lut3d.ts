import { invalidArgument } from '../../errors/index.js';
import type { PipelineStep } from '../image-processor.js';
import { checkIntInRange } from '../../validation/check.js';
import { parseCube } from '../parse-cube.js';
import type { RawStepHandler } from './step.js';

type Lut3dStep = Extract<PipelineStep, { op: 'lut3d' }>;
type CubeStep = Extract<Lut3dStep, { cube: string }>;

/**
 * The `.cube` texts of a pipeline parsed into tables, before anything is decoded: a bad LUT fails first,
 * naming `<the step's field>.cube` and the line.
 */
export function parseLutSteps(steps: readonly PipelineStep[]): PipelineStep[] {
  return steps.map((step, index) => (isCube(step) ? { ...tableOf(step, step.field ?? `steps[${index}]`), field: step.field } : step));
}

function isCube(step: PipelineStep): step is CubeStep {
  return step.op === 'lut3d' && 'cube' in step;
}

function tableOf(step: CubeStep, field: string): Exclude<Lut3dStep, CubeStep> {
  const { size, table, domainMin, domainMax } = parseCube(step.cube, `${field}.cube`);
  return { op: 'lut3d', size, table, domainMin, domainMax };
}

/**
 * A 3D lookup table with trilinear interpolation between the 8 entries around each colour. Per channel,
 * the input scaled into [domainMin, domainMax] gives a grid index and a fraction; these are tabulated
 * for the 256 byte values first, so the loop does only the lookups and the blending.
 */
export const lut3d: RawStepHandler<Lut3dStep> = {
  raw: true,
  apply(pixels, given, field) {
    const step = 'cube' in given ? tableOf(given, field) : given;
    const n = checkIntInRange(`${field}.size`, step.size, 2, 256);
    const { table } = step;
    if (!(table instanceof Float32Array) || table.length !== n * n * n * 3) {
      throw invalidArgument(`${field}.table`, `${n * n * n * 3} values (${n}^3 RGB entries)`, `${table?.length ?? 0} values`);
    }
    const rowG = n * 3;
    const rowB = n * n * 3;
    const [offR, fracR] = axis(step.domainMin[0], step.domainMax[0], n, 3, `${field}.domain`);
    const [offG, fracG] = axis(step.domainMin[1], step.domainMax[1], n, rowG, `${field}.domain`);
    const [offB, fracB] = axis(step.domainMin[2], step.domainMax[2], n, rowB, `${field}.domain`);
    const { data, channels } = pixels;
    for (let i = 0; i < data.length; i += channels) {
      const r = data[i];
      const g = data[i + 1];
      const b = data[i + 2];
      const fr = fracR[r];
      const fg = fracG[g];
      const fb = fracB[b];
      const p000 = offR[r] + offG[g] + offB[b];
      const p010 = p000 + rowG;
      const p001 = p000 + rowB;
      const p011 = p001 + rowG;
      for (let c = 0; c < 3; c++) {
        const a = p000 + c;
        const x00 = table[a] + (table[a + 3] - table[a]) * fr;
        const x10 = table[p010 + c] + (table[p010 + c + 3] - table[p010 + c]) * fr;
        const x01 = table[p001 + c] + (table[p001 + c + 3] - table[p001 + c]) * fr;
        const x11 = table[p011 + c] + (table[p011 + c + 3] - table[p011 + c]) * fr;
        const y0 = x00 + (x10 - x00) * fg;
        const y1 = x01 + (x11 - x01) * fg;
        const v = (y0 + (y1 - y0) * fb) * 255;
        // (v + 0.5) | 0 is Math.round for 0 < v < 255, and about twice as fast in this loop (12 MP recolouring).
        data[i + c] = v <= 0 ? 0 : v >= 255 ? 255 : (v + 0.5) | 0;
      }
    }
    return pixels;
  },
};

/**
 * For each byte value of one channel: the offset of the lower grid entry (index times `stride`, the
 * index at most n - 2 so that the upper one exists) and the fraction towards the upper one.
 */
function axis(min: number, max: number, n: number, stride: number, field: string): [Uint32Array, Float32Array] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max <= min) {
    throw invalidArgument(field, 'a domain with max above min', { min, max });
  }
  const offsets = new Uint32Array(256);
  const fractions = new Float32Array(256);
  for (let v = 0; v < 256; v++) {
    const position = Math.min(1, Math.max(0, (v / 255 - min) / (max - min))) * (n - 1);
    const index = Math.min(n - 2, Math.floor(position));
    offsets[v] = index * stride;
    fractions[v] = position - index;
  }
  return [offsets, fractions];
}
