/**
 * Certificates for the test API server, made with the openssl CLI: a CA, a serving certificate
 * for 127.0.0.1 and localhost, and the service-account signing key pair.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ApiserverCerts {
  caCert: string;
  serverCert: string;
  serverKey: string;
  saPublicKey: string;
  saPrivateKey: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function makeApiserverCerts(dir: string): ApiserverCerts {
  const path = (name: string): string => join(dir, name);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt',
    '-days', '2', '-subj', '/CN=alertiger-test-ca'], dir);
  writeFileSync(path('server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n' +
    'extendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n');
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'apiserver.key', '-out', 'apiserver.csr',
    '-subj', '/CN=kube-apiserver'], dir);
  openssl(['x509', '-req', '-in', 'apiserver.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'apiserver.crt', '-days', '2', '-extfile', 'server.ext'], dir);
  openssl(['genrsa', '-out', 'sa.key', '2048'], dir);
  openssl(['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
  return {
    caCert: path('ca.crt'),
    serverCert: path('apiserver.crt'),
    serverKey: path('apiserver.key'),
    saPublicKey: path('sa.pub'),
    saPrivateKey: path('sa.key'),
  };
}
