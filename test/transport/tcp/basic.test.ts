import assert from "node:assert/strict";
import { test } from "node:test";
import type { TcpConnection } from "../../../src/transport/tcp/connection.js";
import { Ipv4Address } from "../../../src/wire/address/ipv4.js";
import { pair, pattern, sha256 } from "./support.js";

test("handshake, a small transfer each way, and an orderly close", () => {
  const { scheduler, tcpA, tcpB, tracer } = pair();
  const states: string[] = [];
  const clientFlags: string[] = [];
  tracer.subscribe((e) => {
    if (e.type === "tcp-segment" && e.node === "a" && e.direction === "out") clientFlags.push(e.flags);
    if (e.type === "tcp-state") states.push(`${e.node}:${e.to}`);
  });
  let server: TcpConnection | undefined;
  const serverGot: Uint8Array[] = [];
  tcpB.listen(80, (c) => {
    server = c;
    c.onData = (d) => serverGot.push(d);
    c.onEnd = () => {
      c.write(new TextEncoder().encode("bye"));
      c.shutdown();
    };
  });
  const client = tcpA.connect({ remote: Ipv4Address.parse("10.0.0.2"), port: 80 });
  const clientGot: Uint8Array[] = [];
  let closed = false;
  client.onConnect = () => {
    client.write(new TextEncoder().encode("hello"));
    client.shutdown();
  };
  client.onData = (d) => clientGot.push(d);
  client.onClose = () => (closed = true);
  scheduler.runFor(1e9);
  assert.equal(new TextDecoder().decode(Buffer.concat(serverGot)), "hello");
  assert.equal(new TextDecoder().decode(Buffer.concat(clientGot)), "bye");
  assert.ok(closed);
  assert.equal(client.state, "TIME-WAIT");
  assert.equal(server!.state, "CLOSED");
  assert.deepEqual(
    states.filter((t) => t.startsWith("a:")),
    ["a:SYN-SENT", "a:ESTABLISHED", "a:FIN-WAIT-1", "a:FIN-WAIT-2", "a:TIME-WAIT"],
  );
  assert.deepEqual(
    states.filter((t) => t.startsWith("b:")),
    ["b:SYN-RECEIVED", "b:ESTABLISHED", "b:CLOSE-WAIT", "b:LAST-ACK", "b:CLOSED"],
  );
  assert.deepEqual(clientFlags, ["S", ".", "P.", "F.", "."]);
});

test("1 MiB transfer", () => {
  const { scheduler, tcpA, tcpB } = pair();
  const data = pattern(1 << 20);
  const got: Uint8Array[] = [];
  let ended = false;
  tcpB.listen(80, (c) => {
    c.onData = (d) => got.push(d);
    c.onEnd = () => {
      ended = true;
      c.shutdown();
    };
  });
  const client = tcpA.connect({ remote: Ipv4Address.parse("10.0.0.2"), port: 80 });
  let offset = 0;
  const pump = () => {
    while (offset < data.length) {
      const n = client.write(data.subarray(offset));
      offset += n;
      if (n === 0) return;
    }
    client.shutdown();
  };
  client.onConnect = pump;
  client.onWritable = pump;
  scheduler.runFor(10e9);
  assert.ok(ended);
  assert.equal(sha256(got), sha256(data));
});
