import http2 from 'node:http2';
import { readFileSync } from 'node:fs';
import { create, toBinary } from '@bufbuild/protobuf';
import { ProcessingServiceGenerateVariationsRequestSchema as Req } from '../../gen/image/v1/processing_service_pb.js';
import { startServer } from '../server-process.js';
const server = await startServer('/work/main', (l) => console.log('[server]', l));
const body = toBinary(Req, create(Req, { imageData: readFileSync('/work/shared/images/Aqua.jpg'), variationConfigs: [{ id: 'x', filter: { filterType: { case: 'gaussianBlur', value: { sigma: 5 } } }, format: 'jpeg' }] }));
const frame = Buffer.alloc(5 + body.length); frame.writeUInt32BE(body.length, 1); frame.set(body, 5);
const s = http2.connect(`http://${server.address}`);
for (const accept of ['identity,deflate,gzip', 'identity']) {
  const req = s.request({ ':method': 'POST', ':path': '/image.v1.ProcessingService/GenerateVariations', 'content-type': 'application/grpc', te: 'trailers', 'grpc-accept-encoding': accept });
  req.end(frame);
  const chunks: Buffer[] = [];
  req.on('response', (h) => console.log(accept, '->', 'grpc-encoding', h['grpc-encoding']));
  req.on('data', (c) => chunks.push(c));
  await new Promise((r) => req.on('end', r));
  const all = Buffer.concat(chunks);
  console.log('  first message: compressed flag', all[0], 'length on the wire', all.readUInt32BE(1));
}
s.close(); await server.stop();
