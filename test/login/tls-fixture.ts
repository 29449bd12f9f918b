/**
 * Test helper: a self-signed ECDSA P-256 certificate for 127.0.0.1 (SAN IP:127.0.0.1), made by
 * openssl in a temporary directory, once per process.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let made: { cert: string; key: string } | undefined;

/** The certificate and key (PEM). */
export function testCertificate(): { cert: string; key: string } {
  if (made !== undefined) return made;
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-login-cert-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=portcullis test',
      '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'pipe' });
    made = { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
    return made;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
