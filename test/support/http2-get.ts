import type http2 from 'node:http2';

/** GET `path` on an open HTTP/2 session; resolves with the body as text. */
export function http2Get(session: http2.ClientHttp2Session, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':path': path });
    let text = '';
    req.on('data', (d) => (text += String(d)));
    req.on('end', () => resolve(text));
    req.on('error', reject);
    req.end();
  });
}
