import { createServer } from 'node:http';

// The ceiling for the local server: same transport, reads the body, but no event, handler or model.
const BODY = JSON.stringify({ model: { name: 'bare', version: '0' }, predictions: [{ label: 'benign', score: 0.5 }] });

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(BODY) });
    res.end(BODY);
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(`bare server on http://127.0.0.1:${port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
