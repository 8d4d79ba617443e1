/**
 * One DNS exchange — a query out, the matching response back — over UDP (RFC 1035 §4.2.1) or TCP
 * (RFC 1035 §4.2.2, RFC 7766: each message preceded by its length in two octets).
 *
 * A UDP response is accepted only from the server's address and port, with the query's ID and the
 * query's question (RFC 5452 §4.2: what makes spoofing a response hard); each query uses a fresh
 * socket, so an ephemeral source port of the node's random choice (RFC 5452 §9.2). An ICMP port
 * unreachable ends the exchange at once (the socket is connected, so it hears about it).
 */
import type { Node } from "../../devices/node.js";
import type { Nanoseconds } from "../../sim/time.js";
import type { TcpConnection } from "../../transport/tcp/connection.js";
import type { IpAddress } from "../../wire/address/ipv6.js";
import { DNS_PORT, type DnsRepr, dnsNamesEqual, encodeDns, parseDns } from "../../wire/dns.js";
import { isParseError } from "../../wire/parse-error.js";

export type DnsTransport = "UDP" | "TCP";

export type ExchangeResult =
  | { ok: true; response: DnsRepr; size: number; transport: DnsTransport; rtt: Nanoseconds }
  | { ok: false; error: "timeout" | "refused" | "unreachable" | "malformed"; detail?: string };

export interface ExchangeOptions {
  timeout: Nanoseconds;
  transport?: DnsTransport;
  port?: number;
}

/** Sends `query` to `server` and calls `done` once: with the response, or with why there is none. */
export function dnsExchange(
  node: Node,
  server: IpAddress,
  query: DnsRepr,
  options: ExchangeOptions,
  done: (result: ExchangeResult) => void,
): void {
  if (options.transport === "TCP") tcpExchange(node, server, query, options, done);
  else udpExchange(node, server, query, options, done);
}

function matches(query: DnsRepr, response: DnsRepr): boolean {
  if (!response.response || response.id !== query.id) return false;
  const q = query.questions[0];
  const r = response.questions[0];
  // A response may carry no question (e.g. some FORMERR answers); otherwise it must be ours.
  if (!r) return response.rcode !== 0;
  return q !== undefined && dnsNamesEqual(q.name, r.name) && q.type === r.type && q.class === r.class;
}

function udpExchange(
  node: Node,
  server: IpAddress,
  query: DnsRepr,
  options: ExchangeOptions,
  done: (result: ExchangeResult) => void,
): void {
  const { scheduler } = node;
  const port = options.port ?? DNS_PORT;
  const socket = node.udp.createSocket();
  const started = scheduler.now;
  let finished = false;
  const finish = (result: ExchangeResult) => {
    if (finished) return;
    finished = true;
    scheduler.cancel(timer);
    socket.close();
    done(result);
  };
  const timer = scheduler.after(options.timeout, () => finish({ ok: false, error: "timeout" }));
  socket.onMessage = (message) => {
    const response = parseDns(message.data);
    if (isParseError(response)) {
      // A mangled datagram may be an attacker's or the wire's: keep waiting for the real one.
      return;
    }
    if (!matches(query, response)) return;
    finish({ ok: true, response, size: message.data.length, transport: "UDP", rtt: scheduler.now - started });
  };
  socket.onError = (errno) =>
    finish({ ok: false, error: errno === "ECONNREFUSED" ? "refused" : "unreachable", detail: errno });
  const error = socket.connect(server, port) ?? socket.send(encodeDns(query));
  if (error) scheduler.after(0, () => finish({ ok: false, error: "unreachable", detail: error }));
}

function tcpExchange(
  node: Node,
  server: IpAddress,
  query: DnsRepr,
  options: ExchangeOptions,
  done: (result: ExchangeResult) => void,
): void {
  const { scheduler } = node;
  const started = scheduler.now;
  let finished = false;
  let connection: TcpConnection | undefined;
  const finish = (result: ExchangeResult) => {
    if (finished) return;
    finished = true;
    scheduler.cancel(timer);
    connection?.close();
    done(result);
  };
  const timer = scheduler.after(options.timeout, () => {
    connection?.abort();
    finish({ ok: false, error: "timeout" });
  });
  const reader = new TcpMessageReader((bytes) => {
    const response = parseDns(bytes);
    if (isParseError(response)) finish({ ok: false, error: "malformed", detail: response.reason });
    else if (matches(query, response))
      finish({ ok: true, response, size: bytes.length, transport: "TCP", rtt: scheduler.now - started });
  });
  connection = node.tcp.connect({ remote: server, port: options.port ?? DNS_PORT });
  connection.onConnect = () => connection?.write(frameTcpMessage(encodeDns(query)));
  connection.onData = (data) => reader.push(data);
  connection.onError = (error) =>
    finish({
      ok: false,
      error: error.code === "ECONNREFUSED" ? "refused" : "unreachable",
      detail: error.code,
    });
  connection.onEnd = () =>
    finish({ ok: false, error: "malformed", detail: "connection closed before a response" });
}

/** A message with its two-octet length in front (RFC 1035 §4.2.2). */
export function frameTcpMessage(message: Uint8Array): Uint8Array {
  const framed = new Uint8Array(2 + message.length);
  framed[0] = message.length >>> 8;
  framed[1] = message.length & 0xff;
  framed.set(message, 2);
  return framed;
}

/** Splits a TCP byte stream into DNS messages (RFC 7766 §8: they may arrive in any pieces). */
export class TcpMessageReader {
  private buffer = new Uint8Array(0);

  constructor(private readonly onMessage: (message: Uint8Array) => void) {}

  push(data: Uint8Array): void {
    const joined = new Uint8Array(this.buffer.length + data.length);
    joined.set(this.buffer);
    joined.set(data, this.buffer.length);
    let at = 0;
    while (joined.length - at >= 2) {
      const length = (joined[at] << 8) | joined[at + 1];
      if (joined.length - at - 2 < length) break;
      this.onMessage(joined.slice(at + 2, at + 2 + length));
      at += 2 + length;
    }
    this.buffer = joined.slice(at);
  }
}
