/**
 * The login certificate: made (in memory and in a state directory), kept and used again, made
 * anew when the gateway's names change, read from files the config names (with their faults),
 * read back by OpenSSL as an independent reader, and used in a real TLS handshake on loopback.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { parseConfig } from '../../src/config/parse.js';
import {
  STATE_CERT_FILE, STATE_KEY_FILE, certificateCovers, loadOrCreateCertificate, subjectAltNames,
} from '../../src/login/certificate.js';
import { CertificateFileError, StateDirError } from '../../src/errors.js';

const BASE = [
  'hostname gw-test',
  'interface eth1',
  ' ip address 10.50.1.1 255.255.255.0',
  ' ipv6 address FD00:50:1::1/64',
  'interface eth2',
  ' ip address 10.50.2.1 255.255.255.0',
];

function tmp(): string {
  return mkdtempSync(join(tmpdir(), `portcullis-cert-${process.pid}-`));
}

test('made in memory: ECDSA P-256, SAN = hostname and every interface address (read by node and by openssl x509)', async () => {
  const cfg = parseConfig(BASE.join('\n'), 'gw.cfg');
  const c = await loadOrCreateCertificate({ config: cfg });
  assert.match(c.source, /in memory/);
  const x = new X509Certificate(c.cert);
  assert.deepEqual(subjectAltNames(x), { dns: ['gw-test'], ips: ['10.50.1.1', 'fd00:50:1::1', '10.50.2.1'] });
  assert.equal(x.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.ok(x.checkPrivateKey(await import('node:crypto').then((m) => m.createPrivateKey(c.key))));
  assert.ok(x.verify(x.publicKey), 'self-signed');
  const dir = tmp();
  try {
    writeFileSync(join(dir, 'c.pem'), c.cert);
    const r = spawnSync('openssl', ['x509', '-in', join(dir, 'c.pem'), '-noout', '-text'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const text = r.stdout;
    assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/);
    assert.match(text, /ASN1 OID: prime256v1/);
    assert.match(text, /Subject: CN\s?=\s?gw-test/);
    assert.match(text, /X509v3 Subject Alternative Name:\s*\n\s*DNS:gw-test, IP Address:10\.50\.1\.1, IP Address:FD00:50:1:0:0:0:0:1, IP Address:10\.50\.2\.1\s*\n/);
    assert.match(text, /X509v3 Basic Constraints: critical\s*\n\s*CA:FALSE/);
    assert.match(text, /X509v3 Extended Key Usage:\s*\n\s*TLS Web Server Authentication/);
    assert.match(text, /X509v3 Key Usage: critical\s*\n\s*Digital Signature/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a real TLS handshake on 127.0.0.1 and ::1 verifies the generated certificate by its IP SAN; an address it lacks fails', async () => {
  const cfg = parseConfig(BASE.join('\n'), 'gw.cfg');
  const c = await loadOrCreateCertificate({ config: cfg, addresses: ['127.0.0.1', '::1'] });
  const server = createServer({ cert: c.cert, key: c.key }, (s) => s.end('hello over tls\n'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    const answer = await new Promise<string>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, ca: c.cert }, () => {
        assert.equal(s.authorized, true, String(s.authorizationError));
        assert.equal(s.getPeerCertificate().subjectaltname?.includes('IP Address:127.0.0.1'), true);
      });
      let data = '';
      s.setEncoding('utf8');
      s.on('data', (d) => { data += d; });
      s.on('end', () => resolve(data));
      s.on('error', reject);
    });
    assert.equal(answer, 'hello over tls\n');
    // The interface addresses' certificate does not name 127.0.0.1: a client that trusts it
    // still refuses it there, for the address (RFC 6125 §6.2.1: an IP URL matches IP names only).
    const other = await loadOrCreateCertificate({ config: cfg });
    const otherServer = createServer({ cert: other.cert, key: other.key }, (s) => s.end());
    await new Promise<void>((resolve) => otherServer.listen(0, '127.0.0.1', resolve));
    try {
      const refused = await new Promise<NodeJS.ErrnoException>((resolve) => {
        const s = connect({ host: '127.0.0.1', port: (otherServer.address() as AddressInfo).port, ca: other.cert },
          () => resolve(new Error('connected')));
        s.on('error', resolve);
      });
      assert.equal(refused.code, 'ERR_TLS_CERT_ALTNAME_INVALID', refused.message);
      assert.match(refused.message, /IP: 127\.0\.0\.1 is not in the cert's list: 10\.50\.1\.1/);
    } finally {
      otherServer.close();
    }
    // A name the certificate does not give is refused by the client's identity check (RFC 6125).
    const wrongName = await new Promise<NodeJS.ErrnoException>((resolve) => {
      const s = connect({ host: '127.0.0.1', port, ca: c.cert, servername: 'elsewhere.example' }, () => resolve(new Error('connected')));
      s.on('error', resolve);
    });
    assert.equal(wrongName.code, 'ERR_TLS_CERT_ALTNAME_INVALID', wrongName.message);
  } finally {
    server.close();
  }
  // The same over IPv6 loopback: the client checks the address against the IP name ::1.
  const server6 = createServer({ cert: c.cert, key: c.key }, (s) => s.end('hello over tls and ipv6\n'));
  await new Promise<void>((resolve) => server6.listen(0, '::1', resolve));
  try {
    const port6 = (server6.address() as AddressInfo).port;
    const answer6 = await new Promise<string>((resolve, reject) => {
      const s = connect({ host: '::1', port: port6, ca: c.cert }, () => assert.equal(s.authorized, true));
      let data = '';
      s.setEncoding('utf8');
      s.on('data', (d) => { data += d; });
      s.on('end', () => resolve(data));
      s.on('error', reject);
    });
    assert.equal(answer6, 'hello over tls and ipv6\n');
  } finally {
    server6.close();
  }
});

test('state directory: made once (0700, key 0600), kept on the next start, made anew when an address or the hostname changes', async () => {
  const root = tmp();
  const dir = join(root, 'state');
  try {
    const cfg = parseConfig(BASE.join('\n'), 'gw.cfg');
    const first = await loadOrCreateCertificate({ config: cfg, stateDir: dir });
    assert.match(first.source, /made, kept in/);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir, STATE_KEY_FILE)).mode & 0o777, 0o600);
    assert.equal(readFileSync(join(dir, STATE_CERT_FILE), 'utf8'), first.cert);
    assert.equal(readFileSync(join(dir, STATE_KEY_FILE), 'utf8'), first.key);

    const second = await loadOrCreateCertificate({ config: cfg, stateDir: dir });
    assert.match(second.source, /kept in/);
    assert.equal(second.cert, first.cert);
    assert.equal(second.key, first.key);
    // A subset of the addresses is still covered (the gateway listens on its inside addresses).
    const subset = await loadOrCreateCertificate({ config: cfg, stateDir: dir, addresses: ['10.50.1.1'] });
    assert.equal(subset.cert, first.cert);

    const moved = parseConfig([...BASE, 'interface eth3', ' ip address 192.0.2.1 255.255.255.0'].join('\n'), 'gw.cfg');
    const third = await loadOrCreateCertificate({ config: moved, stateDir: dir });
    assert.match(third.source, /made anew/);
    assert.notEqual(third.cert, first.cert);
    assert.deepEqual(subjectAltNames(new X509Certificate(third.cert)).ips, ['10.50.1.1', 'fd00:50:1::1', '10.50.2.1', '192.0.2.1']);
    assert.equal(statSync(join(dir, STATE_KEY_FILE)).mode & 0o777, 0o600);

    const renamed = parseConfig(['hostname gw-renamed', ...BASE.slice(1)].join('\n'), 'gw.cfg');
    const fourth = await loadOrCreateCertificate({ config: renamed, stateDir: dir });
    assert.notEqual(fourth.cert, third.cert);
    assert.deepEqual(subjectAltNames(new X509Certificate(fourth.cert)).dns, ['gw-renamed']);

    // Close to its end the kept certificate is replaced too.
    const names = { hostname: 'gw-renamed', addresses: ['10.50.1.1'] };
    assert.equal(certificateCovers(fourth.cert, fourth.key, names, Date.now()), true);
    assert.equal(certificateCovers(fourth.cert, fourth.key, names, Date.now() + 800 * 86_400_000), false);
    assert.equal(certificateCovers(fourth.cert, first.key, names, Date.now()), false, 'another key');

    // A kept key others may read is refused, as sshd refuses an unprotected host key.
    chmodSync(join(dir, STATE_KEY_FILE), 0o644);
    await assert.rejects(loadOrCreateCertificate({ config: renamed, stateDir: dir }),
      (e: unknown) => e instanceof StateDirError && e.code === 'ERR_STATE_DIR' && /readable by others/.test(e.message));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('files named by ip http secure-certificate: read and checked, faults name the config line and the file', async () => {
  const dir = tmp();
  try {
    const made = await loadOrCreateCertificate({ config: parseConfig(BASE.join('\n'), 'gw.cfg') });
    writeFileSync(join(dir, 'gw.pem'), made.cert);
    writeFileSync(join(dir, 'gw.key'), made.key, { mode: 0o600 });
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    writeFileSync(join(dir, 'other.key'), other);
    writeFileSync(join(dir, 'junk.pem'), 'not a certificate\n');
    const cfgPath = join(dir, 'gw.cfg');
    const withLine = (line: string): ReturnType<typeof parseConfig> => parseConfig([...BASE, line].join('\n'), cfgPath);

    const ok = await loadOrCreateCertificate({ config: withLine('ip http secure-certificate gw.pem key gw.key'), stateDir: join(dir, 'unused') });
    assert.equal(ok.cert, made.cert);
    assert.equal(ok.key, made.key);
    assert.equal(ok.source, `${join(dir, 'gw.pem')} and ${join(dir, 'gw.key')} (${cfgPath}:7)`);

    const fault = async (line: string, problem: string, path: string, text: RegExp): Promise<void> => {
      await assert.rejects(loadOrCreateCertificate({ config: withLine(line) }), (e: unknown) => {
        assert.ok(e instanceof CertificateFileError, String(e));
        assert.equal(e.code, 'ERR_CERTIFICATE_FILE');
        assert.equal(e.problem, problem);
        assert.equal(e.path, join(dir, path));
        assert.equal(e.line, 7);
        assert.ok(e.message.startsWith(`${cfgPath}:7: ${join(dir, path)}: `), e.message);
        assert.match(e.message, text);
        return true;
      });
    };
    await fault('ip http secure-certificate missing.pem key gw.key', 'unreadable', 'missing.pem', /no such file or directory/);
    await fault('ip http secure-certificate junk.pem key gw.key', 'not-pem', 'junk.pem', /not a PEM certificate/);
    await fault('ip http secure-certificate gw.pem key junk.pem', 'not-pem', 'junk.pem', /not an unencrypted PEM private key/);
    await fault('ip http secure-certificate gw.pem key other.key', 'key-mismatch', 'other.key', /not the key of the certificate/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
