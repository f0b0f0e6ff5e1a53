import sharp from 'sharp';
import { WORKLOADS } from './workloads.js';

// As the service's workers set them (src/imaging/worker.ts).
sharp.cache(false);
sharp.concurrency(1);

/** One workload's sharp pipeline on bytes moved here; the output copied into memory that can move back. */
export default async function run(task: { workload: string; input: Uint8Array }): Promise<Uint8Array> {
  const workload = WORKLOADS.find((w) => w.name === task.workload)!;
  const output = await workload.raw(Buffer.from(task.input.buffer, task.input.byteOffset, task.input.byteLength));
  const copy = new Uint8Array(output.byteLength);
  copy.set(output);
  return copy;
}
