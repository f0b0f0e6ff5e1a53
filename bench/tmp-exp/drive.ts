// Drives one workload against an already running server (SERVER=host:port) for SECS seconds at DEPTH.
import { readdirSync, readFileSync } from 'node:fs';
import { create, toBinary } from '@bufbuild/protobuf';
import { ProcessingServiceGenerateVariationsRequestSchema as Req, ProcessingServiceGenerateVariationsResponseSchema as Res } from '../../gen/image/v1/processing_service_pb.js';
import { GrpcChannel } from '../grpc-channel.js';
import { closedLoop, warmUp } from '../closed-loop.js';
import { WORKLOADS } from '../workloads.js';
const w = WORKLOADS.find((x) => x.name === (process.env.W ?? 'thumbnail'))!;
const dir = '/work/shared/images';
const inputs = w.photos(readdirSync(dir).sort()).map((n) => readFileSync(`${dir}/${n}`));
const reqs = inputs.map((d) => { const b = toBinary(Req, create(Req, { imageData: d, variationConfigs: [w.config] })); return Buffer.from(b.buffer, b.byteOffset, b.byteLength); });
const ch = new GrpcChannel(process.env.SERVER!);
const task = (i: number) => ch.serverStream('/image.v1.ProcessingService/GenerateVariations', reqs[i % reqs.length], Res);
await warmUp(task, 4, { index: 0 });
const c0 = process.cpuUsage();
const r = await closedLoop(task, Number(process.env.DEPTH ?? 4), Number(process.env.SECS ?? 8), { index: 0 });
const c = process.cpuUsage(c0);
console.log(w.name, r.imagesPerSecond.toFixed(1), 'img/s; started', r.started, '; client cpu ms/img', ((c.user + c.system) / 1000 / r.started).toFixed(1));
ch.close();
