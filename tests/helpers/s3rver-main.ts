/**
 * Runs one s3rver (a real S3-compatible server, SPEC §7 tests) as its own
 * process, so tests can SIGKILL it for an outage and start it again on the
 * same port and directory. argv: directory, port (0 = any), bucket. Prints
 * "s3rver listening on <port>" once it accepts connections.
 */
import S3rver from "s3rver";

const [directory, port, bucket] = process.argv.slice(2) as [string, string, string];
const server = new S3rver({
  address: "127.0.0.1",
  port: Number(port),
  silent: true,
  directory,
  configureBuckets: [{ name: bucket, configs: [] }],
});
const address = (await server.run()) as { port: number };
process.stdout.write(`s3rver listening on ${address.port}\n`);
