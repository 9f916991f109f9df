import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import selfsigned from 'selfsigned';

export interface Certificate {
  key: string;
  cert: string;
}

/**
 * The broker's TLS key and certificate: the given files in production; otherwise a self-signed development
 * certificate for `hosts`, generated on first start under `dir` (`broker.key`, `broker.crt`) and reused after.
 */
export async function loadOrCreateCertificate(options: {
  keyFile?: string;
  certFile?: string;
  dir?: string;
  hosts: string[];
}): Promise<Certificate & { generated: boolean }> {
  if (options.keyFile || options.certFile) {
    if (!options.keyFile || !options.certFile)
      throw new TypeError('tls: give both keyFile and certFile, or neither for a development certificate');
    return { key: await readFile(options.keyFile, 'utf8'), cert: await readFile(options.certFile, 'utf8'), generated: false };
  }
  if (!options.dir) throw new TypeError('tls: give keyFile and certFile, or dir for a generated development certificate');
  const keyFile = join(options.dir, 'broker.key');
  const certFile = join(options.dir, 'broker.crt');
  if (existsSync(keyFile) && existsSync(certFile))
    return { key: await readFile(keyFile, 'utf8'), cert: await readFile(certFile, 'utf8'), generated: false };
  const altNames = options.hosts.map((host) =>
    /^[\d.]+$|:/.test(host) ? { type: 7 as const, ip: host } : { type: 2 as const, value: host },
  );
  const pems = await selfsigned.generate([{ name: 'commonName', value: options.hosts[0] ?? 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 825 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  await mkdir(options.dir, { recursive: true });
  await writeFile(keyFile, pems.private, { mode: 0o600 });
  await writeFile(certFile, pems.cert);
  return { key: pems.private, cert: pems.cert, generated: true };
}
