/**
 * A test server for the live gateway's tests: HTTP on every port named on the command line,
 * IPv4 and IPv6 (`::`), answering `GET /big` with 4 MiB and anything else with `hello from PORT`;
 * `udp:PORT` receives datagrams and prints `udp LENGTH` for each. Prints `ready` once every port
 * listens. Usage: `serve.js PORT… [udp:PORT]`.
 */
import { createServer } from 'node:http';
import { createSocket } from 'node:dgram';

const BIG = Buffer.alloc(4 << 20, 0x61);
const args = process.argv.slice(2);
const ports = args.filter((a) => !a.startsWith('udp:')).map(Number);
let listening = 0;
const ready = (): void => {
  if (++listening === args.length) process.stdout.write('ready\n');
};
for (const a of args.filter((x) => x.startsWith('udp:'))) {
  const sock = createSocket({ type: 'udp6' });
  sock.on('message', (msg) => process.stdout.write(`udp ${msg.length}\n`));
  sock.bind(Number(a.slice(4)), '::', ready);
}
for (const port of ports) {
  const server = createServer((req, res) => {
    if (req.url === '/big') {
      res.setHeader('Content-Length', BIG.length);
      res.end(BIG);
    } else {
      res.end(`hello from ${port}\n`);
    }
  });
  server.listen(port, '::', ready);
}
process.on('SIGTERM', () => process.exit(0));
