/**
 * ipx 3.x from its npm package, serving the photos of a folder: the sharp-based image server the
 * delivery bench compares against. Spawned by bench/delivery.bench.ts as its own process, so its CPU
 * time is its own. Args: <photo folder> <port>.
 *
 * ipx writes progressive JPEG without trellis quantisation by default; here it is given the service's
 * JPEG encoder (baseline, trellis, deringing, table 3) through `sharpOptions`, which ipx copies onto
 * sharp's output options, so the bench compares servers rather than encoders (the bytes per image it
 * prints show the two agree).
 */
import { createServer } from 'node:http';
import { createIPX, createIPXNodeServer, ipxFSStorage } from 'ipx';
import { JPEG_ENCODER } from '../src/imaging/steps/encode.js';

const [dir, port] = process.argv.slice(2);
const ipx = createIPX({
  storage: ipxFSStorage({ dir }),
  sharpOptions: {
    jpegProgressive: false,
    jpegTrellisQuantisation: JPEG_ENCODER.trellisQuantisation,
    jpegOvershootDeringing: JPEG_ENCODER.overshootDeringing,
    jpegQuantisationTable: JPEG_ENCODER.quantisationTable,
  } as object,
});
createServer(createIPXNodeServer(ipx)).listen(Number(port), '127.0.0.1', () => console.log('listening'));
