/**
 * The test TACACS+ server cross-checked with an independent client: Debian's
 * libauthen-tacacsplus-perl (Authen::TacacsPlus, whose C core obfuscates the body itself), ASCII
 * login (START, GETPASS, CONTINUE) and PAP, right and wrong password, and a wrong key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startTacacsTestServer } from './server.js';

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
