/**
 * The test TACACS+ server cross-checked with an independent client: Debian's
 * libauthen-tacacsplus-perl (Authen::TacacsPlus, whose C core obfuscates the body itself), ASCII
 * login (START, GETPASS, CONTINUE) and PAP, right and wrong password, and a wrong key; and
 * authorization with a Perl client of the test's own (the module has none).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startTacacsTestServer } from '../../../bench/lib/tacacs-server.js';

const PERL = `
use strict;
use Authen::TacacsPlus;
my ($port, $key, $user, $pass, $type) = @ARGV;
my $tac = Authen::TacacsPlus->new(Host => '127.0.0.1', Port => $port, Key => $key, Timeout => 5);
if (!$tac) { print "no-session ", Authen::TacacsPlus::errmsg(), "\\n"; exit 0; }
my $t = $type eq 'pap' ? Authen::TacacsPlus::TAC_PLUS_AUTHEN_TYPE_PAP() : Authen::TacacsPlus::TAC_PLUS_AUTHEN_TYPE_ASCII();
my $ok = $tac->authen($user, $pass, $t);
print $ok ? "pass\\n" : "fail ", ($ok ? "" : Authen::TacacsPlus::errmsg() . "\\n");
$tac->close();
`;

function perl(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('perl', ['-e', PERL, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    p.on('error', reject);
    p.on('close', () => resolve(out.trim()));
  });
}

test('Authen::TacacsPlus logs in against the test server, ASCII and PAP; wrong passwords and a wrong key fail', async () => {
  const server = await startTacacsTestServer({ key: 'cross key', users: { alice: { password: 'alicepass', args: ['priv-lvl=15'] } } });
  try {
    const port = String(server.port);
    assert.equal(await perl(port, 'cross key', 'alice', 'alicepass', 'ascii'), 'pass');
    assert.equal(await perl(port, 'cross key', 'alice', 'alicepass', 'pap'), 'pass');
    assert.match(await perl(port, 'cross key', 'alice', 'wrong', 'ascii'), /^fail/);
    assert.match(await perl(port, 'cross key', 'alice', 'wrong', 'pap'), /^fail/);
    assert.match(await perl(port, 'cross key', 'mallory', 'alicepass', 'pap'), /^fail/);
    assert.equal(server.stats.authenPass, 2);
    assert.equal(server.stats.authenFail, 3);
    assert.equal(server.stats.malformed, 0);
    assert.match(await perl(port, 'not the key', 'alice', 'alicepass', 'pap'), /^fail/);
    assert.equal(server.stats.malformed, 1, 'the wrong key is seen as a malformed body');
    assert.equal(server.stats.authenPass, 2);
  } finally {
    await server.stop();
  }
});

/**
 * Authorization (RFC 8907 §6): Authen::TacacsPlus does authentication only, so this client is
 * written here in Perl from the RFC — header (§4.1), the MD5 pad chain (§4.5), the REQUEST body
 * (§6.1) and the RESPONSE body (§6.2) with core Perl only (IO::Socket::INET, Digest::MD5) — and
 * shares no code with src/aaa/tacacs/packet.ts, whose encoding the test server uses.
 */
const PERL_AUTHOR = `
use strict;
use IO::Socket::INET;
use Digest::MD5 qw(md5);
my ($port, $key, $user, @args) = @ARGV;
my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp', Timeout => 5) or die "connect: $!";
my $session = pack('N', 0x5eed1234);
sub pad { my ($hdr, $len) = @_; my ($sid, $ver, $seq) = (substr($hdr, 4, 4), substr($hdr, 0, 1), substr($hdr, 2, 1));
  my ($pad, $prev) = ('', ''); while (length($pad) < $len) { $prev = md5($sid . $key . $ver . $seq . $prev); $pad .= $prev; }
  return substr($pad, 0, $len); }
# authen_method TACACSPLUS (6), priv_lvl 1, authen_type PAP (2), authen_service LOGIN (1)
my $body = pack('C8', 6, 1, 2, 1, length($user), length('tty0'), length('10.1.0.5'), scalar(@args))
  . join('', map { pack('C', length($_)) } @args) . $user . 'tty0' . '10.1.0.5' . join('', @args);
my $hdr = pack('CCCC', 0xc0, 2, 1, 0) . $session;
print $s $hdr . pack('N', length($body)) . ($body ^ pad($hdr, length($body)));
my $rh = ''; while (length($rh) < 12) { $s->read($rh, 12 - length($rh), length($rh)) or die "closed without an answer\\n"; }
my ($ver, $type, $seq, $flags, $sid, $len) = unpack('CCCCa4N', $rh);
my $rb = ''; while (length($rb) < $len) { $s->read($rb, $len - length($rb), length($rb)) or die "closed without an answer\\n"; }
$rb ^= pad($rh, $len);
my ($status, $argc, $msglen, $datalen) = unpack('CCnn', $rb);
my @lens = unpack("C$argc", substr($rb, 6));
my $off = 6 + $argc + $msglen + $datalen;
my @out; for my $l (@lens) { push @out, substr($rb, $off, $l); $off += $l; }
printf "type %d seq %d status %d args %s\\n", $type, $seq, $status, join('|', @out);
`;

function perlAuthor(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('perl', ['-e', PERL_AUTHOR, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    p.on('error', reject);
    p.on('close', () => resolve(out.trim()));
  });
}

test('authorization: a Perl client written from RFC 8907 §6 gets PASS_ADD with the user\'s auth-proxy arguments; FAIL for another service or an unknown user', async () => {
  const args = ['priv-lvl=15', 'proxyacl#1=permit tcp any host 10.0.0.5 eq 80', 'proxyacl#2=permit udp any any eq 53'];
  const server = await startTacacsTestServer({ key: 'author key', users: { alice: { password: 'alicepass', args } } });
  try {
    const port = String(server.port);
    assert.equal(await perlAuthor(port, 'author key', 'alice', 'service=auth-proxy', 'cmd*'), `type 2 seq 2 status 1 args ${args.join('|')}`);
    assert.deepEqual(server.authorArgs, [['service=auth-proxy', 'cmd*']], 'the server read the Perl client\'s arguments');
    assert.equal(await perlAuthor(port, 'author key', 'alice', 'service=shell', 'cmd*'), 'type 2 seq 2 status 16 args');
    assert.equal(await perlAuthor(port, 'author key', 'mallory', 'service=auth-proxy', 'cmd*'), 'type 2 seq 2 status 16 args');
    assert.equal(server.stats.malformed, 0);
    // With another key the server cannot read the Perl client's body: its pad chain is the key's.
    assert.equal(await perlAuthor(port, 'not the key', 'alice', 'service=auth-proxy', 'cmd*'), 'closed without an answer');
    assert.equal(server.stats.malformed, 1);
  } finally {
    await server.stop();
  }
});
