/**
 * End to end: the gateway fails closed. While it runs, traffic its inbound list permits (here
 * the server's ssh port, IPv4 and IPv6) crosses it; once the process is SIGKILLed (no clean-up
 * of its own can run) nothing is forwarded between client and server in either family, while
 * the gateway's own address still answers; only `portcullis routes --remove` (the operator's
 * decision) lets the kernel forward again, which shows that it was the gateway's routing that
 * refused the traffic, not a broken network. Needs root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execInNamespace } from '../../src/demo/client.js';
import { portcullisBin } from '../../src/demo/gateway-process.js';
import { SERVER_SSH_BANNER } from '../../src/demo/servers.js';
import { ADDR, withE2eNet } from './harness.js';

test('with the gateway SIGKILLed nothing is forwarded (fail closed), until routes --remove', async () => {
  await withE2eNet('killed', async (net) => {
    const gw = await net.startGateway({ permits: ['tcp any any eq 22'] });
    assert.equal(await net.probe(ADDR.server4, 22), `open ${SERVER_SSH_BANNER}`, 'permitted: forwarded while the gateway runs');
    assert.equal(await net.probe(ADDR.server6, 22), `open ${SERVER_SSH_BANNER}`);
    assert.equal(await net.probe(ADDR.server4, 8022), 'timeout', 'the rest is dropped');

    await gw.kill();
    assert.equal(gw.child.signalCode, 'SIGKILL');

    // Refused by the prohibit rules that outlive the process: ICMP unreachable, at once.
    assert.equal(await net.probe(ADDR.server4, 22), 'error EHOSTUNREACH');
    assert.equal(await net.probe(ADDR.server6, 22), 'error EACCES');
    const web = await net.curl.request(`http://${ADDR.server4}/`, { maxTimeS: 3 });
    assert.equal(web.status, 0, `no answer, not ${web.status}`);
    assert.equal(web.curlStatus, 7, web.curlError);
    // The gateway's own address is not forwarded traffic: its kernel still answers there (with
    // a reset: the login service died with the process).
    assert.equal(await net.probe(ADDR.gatewayInside4, 443), 'refused');

    // The operator removes the routing: the kernel forwards unfiltered again.
    const removed = await execInNamespace(net.ns.gateway, [process.execPath, portcullisBin(), 'routes', '--remove']);
    assert.equal(removed.status, 0, removed.stderr);
    assert.equal(await net.probe(ADDR.server4, 22), `open ${SERVER_SSH_BANNER}`);
    assert.equal(await net.probe(ADDR.server6, 22), `open ${SERVER_SSH_BANNER}`);
  });
});
