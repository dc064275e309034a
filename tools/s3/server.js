// Starts s3rver (which verifies AWS Signature V4) on loopback for Pave's tests and prints one line:
//   READY port=PORT
// Usage: node server.js DIR BUCKET [TLS_KEY TLS_CERT]   (s3rver's one credential pair is S3RVER / S3RVER;
// with a key and certificate it serves https only)
// Stops when its standard input closes or on SIGTERM.
'use strict';
const S3rver = require('@20minutes/s3rver');

const fs = require('node:fs');

const [dir, bucket, tlsKey, tlsCert] = process.argv.slice(2);
if (!dir || !bucket) {
  console.error('usage: node server.js DIR BUCKET');
  process.exit(2);
}
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  directory: dir,
  silent: true,
  configureBuckets: [{ name: bucket }],
  allowMismatchedSignatures: false,
  resetOnClose: false,
  vhostBuckets: false,
  ...(tlsKey && tlsCert ? { key: fs.readFileSync(tlsKey), cert: fs.readFileSync(tlsCert) } : {}),
});
server.run().then(({ port }) => {
  process.stdout.write(`READY port=${port}\n`);
  const stop = () => server.close().then(() => process.exit(0));
  process.stdin.on('end', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
});
