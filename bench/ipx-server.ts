/**
 * ipx 3.x from its npm package, serving the photos of a folder: the sharp-based image server the
 * delivery bench compares against. Spawned by bench/delivery.bench.ts as its own process, so its CPU
 * time is its own. Args: <photo folder> <port>.
 */
import { createServer } from 'node:http';
import { createIPX, createIPXNodeServer, ipxFSStorage } from 'ipx';

const [dir, port] = process.argv.slice(2);
const ipx = createIPX({ storage: ipxFSStorage({ dir }) });
createServer(createIPXNodeServer(ipx)).listen(Number(port), '127.0.0.1', () => console.log('listening'));
