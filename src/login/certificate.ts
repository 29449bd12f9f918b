/**
 * The HTTPS login service's certificate and key (DESIGN.md §2 step 2).
 *
 * From files: `ip http secure-certificate CERT-FILE key KEY-FILE` (README "The login
 * certificate"). Both are read and checked when the gateway starts — readable, PEM, and the key
 * the one of the certificate — and any fault is a {@link CertificateFileError} naming the config
 * line and the file.
 *
 * Otherwise self-signed: an ECDSA P-256 key and a certificate (SHA-256 signature, made with
 * @peculiar/x509 over WebCrypto) whose subject is the config's `hostname` and whose subject
 * alternative names are that hostname and every gateway address, IPv4 and IPv6 (RFC 5280
 * §4.2.1.6; browsers match an address URL against an iPAddress name only, RFC 6125 §6.2.1). It
 * is kept in the state directory (directory 0700, key file 0600, written to a temporary file
 * and renamed into place) and used again on the next start while it still covers the hostname
 * and every address and has more than {@link RENEW_BEFORE_DAYS} days to run; otherwise a new one
 * is made. Without a state directory (the demo) it is made in memory for this process only.
 */
import { X509Certificate, createPrivateKey, webcrypto } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CertificateFileError, InvalidOptionError, StateDirError, describeErrno, errnoOf } from '../errors.js';
import { makeStateDir, stateDirError, writeAtomic } from '../state/state-dir.js';
import type { Config, HttpsCertificateFiles } from '../config/types.js';
import { formatIp, formatIpv4, formatIpv6, parseIp } from '../wire/addr.js';
import { installReflectMetadata } from './reflect-metadata.js';

/** A certificate and its key, PEM, and where they came from (for the start-up message). */
export interface LoginCertificate {
  /** The certificate (and any chain after it), PEM. */
  readonly cert: string;
  /** The private key, PEM (PKCS #8 when generated). */
  readonly key: string;
  /** Where they came from, in words: the config line and files, or the state directory and whether made or reused. */
  readonly source: string;
}

export interface CertificateOptions {
  readonly config: Config;
  /** The state directory (`run --state-dir`); undefined keeps a generated certificate in memory only. */
  readonly stateDir?: string | undefined;
  /**
   * The gateway's addresses the certificate must name (the login service's listen addresses);
   * default every IPv4 and IPv6 address of the config's interfaces.
   */
  readonly addresses?: readonly string[] | undefined;
}

/** Names of the generated files in the state directory. */
export const STATE_CERT_FILE = 'login-cert.pem';
export const STATE_KEY_FILE = 'login-key.pem';
/** Validity of a generated certificate. */
export const GENERATED_VALIDITY_DAYS = 825;
/** A kept certificate with fewer days left than this is replaced. */
export const RENEW_BEFORE_DAYS = 30;

const DAY_MS = 86_400_000;

/** The login service's certificate and key: from the config's files, else generated or reused (see the module comment). */
export async function loadOrCreateCertificate(opts: CertificateOptions): Promise<LoginCertificate> {
  const files = opts.config.http.secureCertificate;
  if (files !== undefined) return loadFiles(files);
  const names = wantedNames(opts.config, opts.addresses);
  if (opts.stateDir === undefined) {
    const made = await generate(names);
    return { ...made, source: 'self-signed certificate made in memory' };
  }
  return fromStateDir(opts.stateDir, names);
}

// ---- files named in the config ---------------------------------------------------------------

async function loadFiles(f: HttpsCertificateFiles): Promise<LoginCertificate> {
  const { file, line } = f.source;
  const read = async (path: string, what: string): Promise<string> => {
    try {
      return await readFile(path, 'utf8');
    } catch (e) {
      const errno = errnoOf(e);
      throw new CertificateFileError(file, line, path, 'unreadable', `cannot read the ${what}: ${errno === undefined ? String(e) : describeErrno(errno)}`, errno);
    }
  };
  const cert = await read(f.certFile, 'certificate');
  const key = await read(f.keyFile, 'private key');
  let x509: X509Certificate;
  try {
    if (!cert.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate');
    x509 = new X509Certificate(cert);
  } catch {
    throw new CertificateFileError(file, line, f.certFile, 'not-pem', 'not a PEM certificate ("-----BEGIN CERTIFICATE-----")');
  }
  let keyObject: KeyObject;
  try {
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) throw new Error('no PEM key');
    keyObject = createPrivateKey(key);
  } catch {
    throw new CertificateFileError(file, line, f.keyFile, 'not-pem', 'not an unencrypted PEM private key ("-----BEGIN PRIVATE KEY-----")');
  }
  if (!x509.checkPrivateKey(keyObject)) {
    throw new CertificateFileError(file, line, f.keyFile, 'key-mismatch', `the private key is not the key of the certificate ${f.certFile}`);
  }
  return { cert, key, source: `${f.certFile} and ${f.keyFile} (${file}:${line})` };
}

// ---- generated -------------------------------------------------------------------------------

/** What a generated certificate must name. */
interface WantedNames {
  readonly hostname: string;
  /** Canonical text (RFC 5952 for IPv6). */
  readonly addresses: readonly string[];
}

function wantedNames(config: Config, given: readonly string[] | undefined): WantedNames {
  const texts = given ?? config.interfaces.flatMap((i) => [
    ...i.ipv4.map((a) => formatIpv4(a.address)),
    ...i.ipv6.map((a) => formatIpv6(a.address)),
  ]);
  const addresses: string[] = [];
  for (const t of texts) {
    const c = canonicalIp(t);
    if (c === undefined) throw new InvalidOptionError('login certificate', 'addresses', `"${t}" is not an IP address`);
    if (!addresses.includes(c)) addresses.push(c);
  }
  return { hostname: config.hostname, addresses };
}

function canonicalIp(text: string): string | undefined {
  const w = parseIp(text);
  return w === undefined ? undefined : formatIp(w);
}

/** A new ECDSA P-256 key and self-signed server certificate naming `names`. */
async function generate(names: WantedNames): Promise<{ cert: string; key: string }> {
  installReflectMetadata();
  const x509 = await import('@peculiar/x509');
  // Node's WebCrypto, typed as @peculiar/x509 expects it (the DOM's Crypto, which this build does not declare).
  const crypto = webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1] & typeof webcrypto;
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await crypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const now = Date.now();
  const serial = Buffer.from(crypto.getRandomValues(new Uint8Array(16)));
  serial[0]! &= 0x7f; // a positive INTEGER (RFC 5280 §4.1.2.2)
  const san: { type: 'dns' | 'ip'; value: string }[] = [
    { type: 'dns', value: names.hostname },
    ...names.addresses.map((a) => ({ type: 'ip' as const, value: a })),
  ];
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: [{ CN: [names.hostname] }, { O: ['portcullis'] }],
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + GENERATED_VALIDITY_DAYS * DAY_MS),
    signingAlgorithm: alg,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(san),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  }, crypto);
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  const key = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END PRIVATE KEY-----\n`;
  return { cert: cert.toString('pem') + '\n', key };
}

/**
 * True when `pem` is usable as the kept certificate: parses, belongs to `key`, names the
 * hostname and every address, and runs for more than {@link RENEW_BEFORE_DAYS} days.
 */
export function certificateCovers(pem: string, key: string, names: WantedNames, nowMs: number): boolean {
  let x: X509Certificate;
  try {
    x = new X509Certificate(pem);
    if (!x.checkPrivateKey(createPrivateKey(key))) return false;
  } catch {
    return false;
  }
  if (Date.parse(x.validTo) - nowMs < RENEW_BEFORE_DAYS * DAY_MS || Date.parse(x.validFrom) > nowMs) return false;
  const { dns, ips } = subjectAltNames(x);
  return dns.includes(names.hostname.toLowerCase()) && names.addresses.every((a) => ips.includes(a));
}

/** The DNS names (lower case) and IP addresses (canonical) of a certificate's subject alternative names. */
export function subjectAltNames(x: X509Certificate): { dns: string[]; ips: string[] } {
  const dns: string[] = [];
  const ips: string[] = [];
  for (const part of (x.subjectAltName ?? '').split(', ')) {
    if (part.startsWith('DNS:')) dns.push(part.slice(4).toLowerCase());
    else if (part.startsWith('IP Address:')) {
      const c = canonicalIp(part.slice(11));
      if (c !== undefined) ips.push(c);
    }
  }
  return { dns, ips };
}

async function fromStateDir(dir: string, names: WantedNames): Promise<LoginCertificate> {
  await makeStateDir(dir);
  const certPath = join(dir, STATE_CERT_FILE);
  const keyPath = join(dir, STATE_KEY_FILE);
  const kept = await readKept(certPath, keyPath);
  if (kept !== undefined && certificateCovers(kept.cert, kept.key, names, Date.now())) {
    return { ...kept, source: `self-signed certificate kept in ${certPath}` };
  }
  const made = await generate(names);
  await writeAtomic(keyPath, made.key, 0o600);
  await writeAtomic(certPath, made.cert, 0o644);
  const why = kept === undefined ? 'made' : 'made anew (the kept one no longer covers the gateway\'s names or runs out)';
  return { ...made, source: `self-signed certificate ${why}, kept in ${certPath}` };
}

/** The kept certificate and key, or undefined when either is missing. A key readable by others is refused. */
async function readKept(certPath: string, keyPath: string): Promise<{ cert: string; key: string } | undefined> {
  try {
    const st = await stat(keyPath);
    if ((st.mode & 0o077) !== 0) {
      throw new StateDirError(keyPath, `private key readable by others than its owner (mode ${(st.mode & 0o777).toString(8)}); `
        + 'refusing to use it: remove it (a new one is made) or chmod 600 it');
    }
    return { cert: await readFile(certPath, 'utf8'), key: await readFile(keyPath, 'utf8') };
  } catch (e) {
    if (e instanceof StateDirError) throw e;
    if (errnoOf(e) === 'ENOENT') return undefined;
    throw stateDirError(keyPath, 'cannot read the kept certificate', e);
  }
}
