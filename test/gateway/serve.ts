/**
 * A test server for the live gateway's tests: HTTP on every port named on the command line,
 * IPv4 and IPv6 (`::`), answering `GET /big` with 4 MiB and anything else with `hello from PORT`.
 * Prints `ready` once every port listens. Usage: `serve.js PORT…`.
 */
import { createServer } from 'node:http';

const BIG = Buffer.alloc(4 << 20, 0x61);
const ports = process.argv.slice(2).map(Number);
let listening = 0;
for (const port of ports) {
  const server = createServer((req, res) => {
    if (req.url === '/big') {
      res.setHeader('Content-Length', BIG.length);
      res.end(BIG);
    } else {
      res.end(`hello from ${port}\n`);
    }
  });
  server.listen(port, '::', () => {
    if (++listening === ports.length) process.stdout.write('ready\n');
  });
}
process.on('SIGTERM', () => process.exit(0));
