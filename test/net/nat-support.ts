/**
 * The home network the NAT tests share:
 *
 *   h1 .10 ─┐                                               ┌─ server  198.51.100.10
 *   h2 .11 ─┼─ lan ─ eth0 home eth1 ──── eth0 isp eth1 ─ dc ─┤
 *   h3 .12 ─┘  192.168.1.0/24   203.0.113.0/24     198.51.100.0/24 └─ server2 198.51.100.20
 *
 * `home` masquerades (or uses the options' NAT config) from eth0 to eth1; `isp` has no route to
 * 192.168.1.0/24, as on the Internet, so only translated traffic can come back.
 */
import { type ClientResponse, sendHttpRequest } from "../../src/apps/http/client.js";
import { type HttpHandler, serveHttpConnection } from "../../src/apps/http/server.js";
import { Network } from "../../src/devices/network.js";
import type { Node } from "../../src/devices/node.js";
import type { FirewallConfig } from "../../src/net/firewall/firewall.js";
import type { NatConfig } from "../../src/net/nat/config.js";
import { driveUntil } from "../../src/sim/async-driver.js";
import { type Nanoseconds, SECOND } from "../../src/sim/time.js";
import type { NetSocket } from "../../src/socket/net.js";
import type { UdpMessage, UdpSocket } from "../../src/transport/udp.js";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";

export const OUTSIDE = "203.0.113.2";
export const SERVER = "198.51.100.10";
export const SERVER2 = "198.51.100.20";

export function homeNetwork(
  options: {
    nat?: Partial<NatConfig> | false;
    firewall?: FirewallConfig;
    seed?: number;
    hosts?: number;
  } = {},
) {
  const net = new Network({ seed: options.seed ?? 1 });
  const home = net.addRouter("home", {
    ...(options.nat === false ? {} : { nat: { outside: "eth1", ...options.nat } }),
    ...(options.firewall ? { firewall: options.firewall } : {}),
  });
  const isp = net.addRouter("isp");
  const server = net.addHost("server");
  const server2 = net.addHost("server2");
  net.addSwitch("lan");
  net.addSwitch("dc");
  const hosts: Node[] = [];
  for (let i = 1; i <= (options.hosts ?? 3); i++) {
    const host = net.addHost(`h${i}`);
    net.connect(`h${i}:eth0`, `lan:p${i}`, { rate: "1Gbit", delay: "100us" });
    host.addAddress("eth0", `192.168.1.${9 + i}/24`);
    host.setDefaultGateway("192.168.1.1");
    hosts.push(host);
  }
  net.connect("home:eth0", "lan:p0", { rate: "1Gbit", delay: "100us" });
  net.connect("home:eth1", "isp:eth0", { rate: "100Mbit", delay: "5ms" });
  net.connect("isp:eth1", "dc:p0", { rate: "1Gbit", delay: "1ms" });
  net.connect("server:eth0", "dc:p1", { rate: "1Gbit", delay: "100us" });
  net.connect("server2:eth0", "dc:p2", { rate: "1Gbit", delay: "100us" });
  home.addAddress("eth0", "192.168.1.1/24").addAddress("eth1", `${OUTSIDE}/24`);
  home.setDefaultGateway("203.0.113.1");
  isp.addAddress("eth0", "203.0.113.1/24").addAddress("eth1", "198.51.100.1/24");
  // Without NAT the inside network must be routed (as a business's public block would be).
  if (options.nat === false) isp.addRoute("192.168.1.0/24", OUTSIDE);
  server.addAddress("eth0", `${SERVER}/24`).setDefaultGateway("198.51.100.1");
  server2.addAddress("eth0", `${SERVER2}/24`).setDefaultGateway("198.51.100.1");
  const [h1, h2, h3] = hosts;
  return { net, home, isp, server, server2, hosts, h1: h1!, h2: h2!, h3: h3! };
}

export const ip = (text: string) => Ipv4Address.parse(text);
export const bytes = (text: string) => new TextEncoder().encode(text);
export const text = (data: Uint8Array) => new TextDecoder().decode(data);

/** A UDP socket bound to `port` that records what it receives. */
export function udpSocket(
  node: Node,
  port = 0,
): { socket: UdpSocket; received: UdpMessage[]; errors: string[] } {
  const socket = node.udp.createSocket();
  const received: UdpMessage[] = [];
  const errors: string[] = [];
  socket.onMessage = (message) => received.push(message);
  socket.onError = (errno) => errors.push(errno);
  const error = socket.bind(port);
  if (error) throw new Error(`bind ${port}: ${error}`);
  return { socket, received, errors };
}

/** A UDP echo server on `port`, recording who it saw. */
export function udpEcho(node: Node, port: number): { seen: string[]; socket: UdpSocket } {
  const seen: string[] = [];
  const socket = node.udp.createSocket();
  socket.onMessage = (message) => {
    seen.push(`${message.address}:${message.port}`);
    socket.sendTo(message.data, message.port, message.address);
  };
  socket.bind(port);
  return { seen, socket };
}

/** An HTTP server on `port` that answers every request with the client's address and port. */
export function whoAmIServer(node: Node, port: number): { seen: string[] } {
  const seen: string[] = [];
  node.net
    .createServer((socket: NetSocket) => {
      const peer = `${socket.remoteAddress}:${socket.remotePort}`;
      seen.push(peer);
      const handler: HttpHandler = (_request, response) => response.send(200, `you are ${peer}\n`);
      serveHttpConnection(socket, handler);
    })
    .listen(port);
  return { seen };
}

/** `curl http://address:port/` from `node`, resolved with the status and body. */
export function curl(
  node: Node,
  address: string,
  port: number,
): Promise<{ response: ClientResponse | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = node.net.connect(port, address);
    let response: ClientResponse | undefined;
    let body = "";
    sendHttpRequest(
      socket,
      { host: `${address}:${port}`, path: "/" },
      {
        onResponse: (r) => {
          response = r;
        },
        onData: (chunk) => {
          body += text(chunk);
        },
        onEnd: () => {
          socket.end();
          resolve({ response, body });
        },
        onError: reject,
      },
    );
  });
}

/**
 * Runs the network until `promise` settles (letting Node-style streams take their event-loop
 * turns, see src/sim/async-driver.ts), at most `limit` of virtual time.
 */
export async function settle<T>(
  net: Network,
  promise: Promise<T>,
  limit: Nanoseconds = 60 * SECOND,
): Promise<T> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  const finished = await driveUntil(net.scheduler, () => done, { deadline: net.scheduler.now + limit });
  if (!finished) throw new Error("the operation did not finish in time");
  return promise;
}
