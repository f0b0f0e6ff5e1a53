/**
 * A static file server (sirv over node:http) streaming files from a folder: the ceiling for a result
 * cache hit in the delivery bench. Spawned as its own process. Args: <folder> <port>.
 */
import { createServer } from 'node:http';
import sirv from 'sirv';

const [dir, port] = process.argv.slice(2);
createServer(sirv(dir, { etag: true, immutable: true, maxAge: 31_536_000 })).listen(Number(port), '127.0.0.1', () => console.log('listening'));
