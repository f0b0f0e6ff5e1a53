import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface CertFiles {
  cert: string;
  key: string;
}

export interface TestPki {
  dir: string;
  /** The CA that signs the server and client certificates. */
  caFile: string;
  ca: Buffer;
  /** Two server certificates for 127.0.0.1 and localhost (the second for reload tests). */
  server: CertFiles;
  server2: CertFiles;
  /** A client certificate: CN=billing, O=acme, URI SAN spiffe://acme/billing. */
  client: CertFiles;
  /** A client certificate from a CA the server does not trust. */
  stranger: CertFiles;
  /** Another client certificate from the test CA, with this subject (openssl form: `/O=acme/CN=ops`). */
  issueClient(name: string, subject: string): CertFiles;
  read(file: string): Buffer;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

/** A CA and leaf certificate made with openssl into `dir`; `ext` is the leaf's v3 extensions. */
function issue(dir: string, name: string, subject: string, ext: string, ca: { cert: string; key: string }): CertFiles {
  const key = path.join(dir, `${name}.key`);
  const csr = path.join(dir, `${name}.csr`);
  const cert = path.join(dir, `${name}.pem`);
  const extFile = path.join(dir, `${name}.ext`);
  writeFileSync(extFile, ext);
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr, '-subj', subject], dir);
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '2', '-out', cert, '-extfile', extFile], dir);
  return { cert, key };
}

function authority(dir: string, name: string): { cert: string; key: string } {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.pem`);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/O=test/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  return { cert, key };
}

/**
 * Certificates made at test time: a CA, two server certificates, a trusted and an untrusted client
 * certificate, and more client certificates from the CA on demand.
 */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'imgsvc-pki-'));
  const ca = authority(dir, 'test-ca');
  const other = authority(dir, 'other-ca');
  const serverExt = 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n';
  const clientExt = 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\nsubjectAltName=URI:spiffe://acme/billing\n';
  return {
    dir,
    caFile: ca.cert,
    ca: readFileSync(ca.cert),
    server: issue(dir, 'server', '/O=test/CN=localhost', serverExt, ca),
    server2: issue(dir, 'server2', '/O=test/CN=localhost-renewed', serverExt, ca),
    client: issue(dir, 'client', '/O=acme/CN=billing', clientExt, ca),
    stranger: issue(dir, 'stranger', '/O=elsewhere/CN=intruder', clientExt, other),
    issueClient: (name, subject) => issue(dir, name, subject, 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n', ca),
    read: (file) => readFileSync(file),
  };
}
