/**
 * Running our iperf3 client and server over Node's real sockets (loopback), with a wall clock:
 * the same code the emulated hosts run, checked against the Debian iperf3 binary.
 */
import { createServer, connect as netConnect, type Server } from "node:net";
import type { Iperf3Connect } from "../../src/apps/iperf3/client.js";
import type { Iperf3Clock } from "../../src/apps/iperf3/clock.js";
import { Iperf3Server, type Iperf3ServerOptions } from "../../src/apps/iperf3/server.js";

export const wallClock: Iperf3Clock = {
  now: () => performance.now() / 1000,
  setTimer: (seconds, callback) => {
    const timer = setTimeout(callback, seconds * 1000);
    return () => clearTimeout(timer);
  },
};

export const nodeConnect: Iperf3Connect = (host, port) =>
  new Promise((resolve, reject) => {
    const socket = netConnect(port, host, () => {
      socket.removeListener("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });

/** Our server listening on a free loopback port. */
export async function listenIperf3(
  options: Partial<Iperf3ServerOptions> = {},
): Promise<{ server: Iperf3Server; port: number; listener: Server; lines: string[] }> {
  const lines: string[] = [];
  const server = new Iperf3Server({
    clock: wallClock,
    random: Math.random,
    write: (line) => lines.push(line),
    ...options,
  });
  const listener = createServer((socket) => server.accept(socket));
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const address = listener.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { server, port, listener, lines };
}

/** A free TCP port on loopback (for the real iperf3 server). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
