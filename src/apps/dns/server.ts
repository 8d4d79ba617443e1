/**
 * A DNS server (BIND's `named` in miniature): authoritative for its zones (RFC 1034 §4.3.2) and,
 * when recursion is on, a recursive caching resolver for its clients (./resolver.ts), over UDP and
 * TCP port 53 (RFC 1035 §4.2, RFC 7766).
 *
 * - **Authoritative answers** set AA and come from the zone: records, the CNAME chain (followed
 *   into any zone we serve), NXDOMAIN or NODATA with the SOA for negative caching (RFC 2308 §3),
 *   or a referral (NS and glue, AA clear) for delegated names. MX, NS and SRV targets we know get
 *   their addresses in the additional section (RFC 1035 §3.3.9).
 * - **Recursion** is offered (RA) when configured; a query with RD for a name outside our zones is
 *   resolved, else REFUSED (RFC 1035 §4.1.1 "the name server refuses to perform the specified
 *   operation for policy reasons").
 * - **Errors**: FORMERR for a message we cannot parse (if its header can carry the answer) or
 *   without exactly one question, NOTIMP for opcodes other than QUERY, BADVERS for EDNS versions
 *   above 0 (RFC 6891 §6.1.3).
 * - **Size**: over UDP a response fits in 512 octets, or the client's EDNS payload size (capped at
 *   ours, 1232 by default, the DNS flag day 2020 value). If it does not fit, additional records go
 *   first, and if still too big the answer is sent empty with TC set (RFC 2181 §9) so the client
 *   asks again over TCP.
 */
import type { Node } from "../../devices/node.js";
import { isMappedIpv4, isNonGlobalIpv4, nat64Prefix, synthesizeIpv6 } from "../../net/nat64.js";
import { SECOND } from "../../sim/time.js";
import type { TcpListener } from "../../transport/tcp/tcp-layer.js";
import type { UdpMessage, UdpSocket } from "../../transport/udp.js";
import type { Ipv6Prefix } from "../../wire/address/ipv6.js";
import {
  DNS_PORT,
  DNS_UDP_LIMIT,
  DnsClass,
  DnsOpcode,
  DnsRcode,
  type DnsRecord,
  type DnsRepr,
  DnsType,
  DnsView,
  dnsEdns,
  dnsFullRcode,
  dnsLength,
  dnsNameInZone,
  dnsNameKey,
  dnsRcodeName,
  dnsTypeName,
  ednsRecord,
  emitDns,
  encodeDns,
  parseDns,
} from "../../wire/dns.js";
import { isParseError } from "../../wire/parse-error.js";
import { RecursiveResolver, type RecursiveResolverOptions } from "./resolver.js";
import { traceDns } from "./trace.js";
import { frameTcpMessage, TcpMessageReader } from "./transport.js";
import { Zone, type ZoneOptions } from "./zone.js";

export interface DnsServerOptions {
  /** Zones this server is authoritative for. */
  zones?: readonly (Zone | ZoneOptions)[];
  /** Resolve other names for clients (true: with default options). */
  recursion?: boolean | RecursiveResolverOptions;
  /** Our EDNS UDP payload size (default 1232). */
  udpPayloadSize?: number;
  /** Serve TCP too (default true). */
  tcp?: boolean;
  /**
   * DNS64 (RFC 6147): synthesize AAAA records from A records for names without IPv6 addresses, in
   * the NAT64 prefix (true: 64:ff9b::/96), so IPv6-only clients reach them through NAT64.
   */
  dns64?: boolean | { prefix?: string };
  write?: (line: string) => void;
}

export class DnsServerCounters {
  queries = 0;
  udpQueries = 0;
  tcpQueries = 0;
  malformed = 0;
  /** Responses by RCODE name. */
  readonly responses = new Map<number, number>();
  truncated = 0;
  recursive = 0;
  referrals = 0;
  /** AAAA answers synthesized by DNS64. */
  synthesized = 0;
}

const MAX_CNAME = 16;
/** How long a TCP connection may stay idle (BIND's tcp-idle-timeout is 30 s). */
const TCP_IDLE_TIMEOUT = 30 * SECOND;

export class DnsServer {
  readonly zones: Zone[];
  readonly resolver: RecursiveResolver | undefined;
  readonly counters = new DnsServerCounters();
  readonly udpPayloadSize: number;
  /** The DNS64 prefix, when the server synthesizes (see {@link DnsServerOptions.dns64}). */
  readonly dns64: { prefix: Ipv6Prefix; wellKnown: boolean } | undefined;
  private socket: UdpSocket | undefined;
  private listener: TcpListener | undefined;

  constructor(
    readonly node: Node,
    readonly options: DnsServerOptions = {},
  ) {
    this.zones = (options.zones ?? []).map((z) => (z instanceof Zone ? z : new Zone(z)));
    const recursion = options.recursion;
    if (recursion) this.resolver = new RecursiveResolver(node, recursion === true ? {} : recursion);
    this.udpPayloadSize = options.udpPayloadSize ?? 1232;
    if (options.dns64) {
      const prefix = nat64Prefix(options.dns64 === true ? undefined : options.dns64.prefix);
      this.dns64 = { prefix, wellKnown: prefix.equals(nat64Prefix(undefined)) };
    }
  }

  /** Listens on UDP (and TCP) port 53. */
  start(): this {
    if (this.socket) return this;
    const socket = this.node.udp.createSocket();
    const error = socket.bind(DNS_PORT);
    if (error) throw new Error(`${this.node.name}: DNS server cannot bind UDP port 53 (${error})`);
    socket.onMessage = (message) => this.receiveUdp(message);
    this.socket = socket;
    if (this.options.tcp ?? true) {
      this.listener = this.node.tcp.listen(DNS_PORT, (connection) => {
        const reader = new TcpMessageReader((bytes) => {
          this.counters.tcpQueries++;
          this.handle(
            bytes,
            (response) => {
              if (response) connection.write(frameTcpMessage(response));
            },
            Number.POSITIVE_INFINITY,
          );
        });
        // RFC 7766 §6.2.3: close connections that stay idle, so clients cannot hold them forever.
        const { scheduler } = this.node;
        let idle = scheduler.after(TCP_IDLE_TIMEOUT, () => connection.close());
        connection.onData = (data) => {
          scheduler.cancel(idle);
          idle = scheduler.after(TCP_IDLE_TIMEOUT, () => connection.close());
          reader.push(data);
        };
        connection.onEnd = () => {
          scheduler.cancel(idle);
          connection.close();
        };
        connection.onClose = () => scheduler.cancel(idle);
      });
    }
    return this;
  }

  stop(): void {
    this.socket?.close();
    this.socket = undefined;
    this.listener?.close();
    this.listener = undefined;
  }

  /** The zone that holds `name` (the deepest origin), if we serve one. */
  zoneFor(name: string): Zone | undefined {
    let best: Zone | undefined;
    for (const zone of this.zones) {
      if (!dnsNameInZone(name, zone.origin)) continue;
      if (!best || zone.origin.length > best.origin.length || best.origin === ".") best = zone;
    }
    return best;
  }

  private receiveUdp(message: UdpMessage): void {
    this.counters.udpQueries++;
    this.handle(
      message.data,
      (response) => {
        if (response) this.socket?.sendTo(response, message.port, message.address);
      },
      DNS_UDP_LIMIT,
    );
  }

  /**
   * Answers the message in `bytes`; `reply` gets the encoded response (or undefined: no answer).
   * `udpLimit` is 512 for UDP (raised by EDNS), infinite for TCP.
   */
  handle(bytes: Uint8Array, reply: (response: Uint8Array | undefined) => void, udpLimit: number): void {
    this.counters.queries++;
    const query = parseDns(bytes);
    if (isParseError(query)) {
      this.counters.malformed++;
      // RFC 1035 §4.1.1: FORMERR, if there is a header to answer with and it was a query.
      const view = DnsView.checked(bytes);
      if (isParseError(view) || view.response) {
        reply(undefined);
        return;
      }
      reply(this.encode(this.errorResponse(view.id, view.opcode, DnsRcode.FormErr), udpLimit, undefined));
      return;
    }
    if (query.response) {
      // never answer a response (loops)
      reply(undefined);
      return;
    }
    this.answer(query, (response) => reply(this.encode(response, udpLimit, query)));
  }

  /** The response to a parsed query (synchronous for authoritative data, later for recursion). */
  answer(query: DnsRepr, done: (response: DnsRepr) => void): void {
    const question = query.questions[0];
    if (
      !this.dns64 ||
      query.opcode !== DnsOpcode.Query ||
      query.questions.length !== 1 ||
      question.type !== DnsType.AAAA ||
      question.class !== DnsClass.IN
    ) {
      this.respond(query, done, true);
      return;
    }
    this.respond(
      query,
      (response, detail) => {
        this.synthesize(query, response, (final, synthesized) => {
          this.report(query, final, synthesized ? "dns64" : detail);
          done(final);
        });
      },
      false,
    );
  }

  /**
   * DNS64 (RFC 6147 §5.1): an AAAA question whose answer is NOERROR without (usable) AAAA records
   * is asked again as A, and each A record comes back as an AAAA record inside the NAT64 prefix
   * (RFC 6052 §2.2), its TTL the smaller of the A record's and the negative answer's SOA minimum
   * (§5.1.7; 600 s when there is none). The CNAME chain stays; AA is cleared (§5.5: the data is
   * ours, not the zone's). AAAA records in ::ffff:0:0/96 do not count (§5.1.4), and with the
   * well-known prefix non-global IPv4 addresses are not synthesized (RFC 6052 §3.1).
   */
  private synthesize(
    query: DnsRepr,
    response: DnsRepr,
    done: (response: DnsRepr, synthesized: boolean) => void,
  ): void {
    const dns64 = this.dns64!;
    const usable = response.answers.some(
      (r) => r.type === DnsType.AAAA && r.data.kind === "aaaa" && !isMappedIpv4(r.data.address),
    );
    if (response.rcode !== DnsRcode.NoError || usable || response.truncated) {
      done(response, false);
      return;
    }
    const question = query.questions[0];
    const aQuery: DnsRepr = { ...query, questions: [{ ...question, type: DnsType.A }] };
    this.respond(
      aQuery,
      (aResponse) => {
        const soa = response.authorities.find((r) => r.data.kind === "soa");
        const negativeTtl = soa?.data.kind === "soa" ? Math.min(soa.ttl, soa.data.minimum) : 600;
        const synthesized: DnsRecord[] = [];
        for (const r of aResponse.answers) {
          if (r.type === DnsType.CNAME) synthesized.push(r);
          else if (r.type === DnsType.A && r.data.kind === "a") {
            if (dns64.wellKnown && isNonGlobalIpv4(r.data.address.value)) continue;
            synthesized.push({
              name: r.name,
              type: DnsType.AAAA,
              class: r.class,
              ttl: Math.min(r.ttl, negativeTtl),
              data: { kind: "aaaa", address: synthesizeIpv6(dns64.prefix, r.data.address) },
            });
          }
        }
        if (aResponse.rcode !== DnsRcode.NoError || !synthesized.some((r) => r.type === DnsType.AAAA)) {
          done(response, false);
          return;
        }
        this.counters.synthesized++;
        response.answers = synthesized;
        response.authorities = [];
        response.additionals = response.additionals.filter((r) => r.type === DnsType.OPT);
        response.authoritative = false;
        done(response, true);
      },
      false,
    );
  }

  /** Counts and traces the answer to `query`. */
  private report(query: DnsRepr, response: DnsRepr, detail: string): void {
    const rcode = dnsFullRcode(response);
    this.count(rcode);
    const q = query.questions[0];
    if (q) {
      traceDns(this.node.tracer, {
        time: this.node.scheduler.now,
        node: this.node.name,
        role: "server",
        name: q.name,
        qtype: dnsTypeName(q.type),
        rcode: dnsRcodeName(rcode),
        detail,
        answers: response.answers.length,
      });
    }
  }

  /** The response to `query`; `report`: count and trace it (else the caller does). */
  private respond(query: DnsRepr, done: (response: DnsRepr, detail: string) => void, report: boolean): void {
    const edns = dnsEdns(query);
    const response = this.responseTo(query);
    if (edns) response.additionals.push(ednsRecord({ udpPayloadSize: this.udpPayloadSize }));
    let detail = "error";
    const finish = (rcode: number) => {
      if (rcode > 15) {
        // Extended RCODE in the OPT record (RFC 6891 §6.1.3).
        const opt = response.additionals.find((r) => r.type === DnsType.OPT);
        if (opt) opt.ttl = ((rcode >>> 4) << 24) >>> 0;
      }
      response.rcode = rcode & 0xf;
      if (report) this.report(query, response, detail);
      done(response, detail);
    };
    if (query.opcode !== DnsOpcode.Query) {
      finish(DnsRcode.NotImp);
      return;
    }
    if (query.questions.length !== 1) {
      finish(DnsRcode.FormErr);
      return;
    }
    if (edns && edns.version > 0) {
      finish(DnsRcode.BadVers);
      return;
    }
    const question = query.questions[0];
    if (question.class !== DnsClass.IN && question.class !== DnsClass.ANY) {
      finish(DnsRcode.Refused);
      return;
    }
    if (question.type === DnsType.AXFR || question.type === DnsType.IXFR) {
      finish(DnsRcode.NotImp);
      return;
    }

    const recurse = this.resolver !== undefined && query.recursionDesired;
    const outcome = this.authoritative(question.name, question.type, response);
    detail = outcome === "referral" ? "referral" : outcome === "none" ? "refused" : "authoritative";
    if (outcome === "answered") {
      finish(response.rcode);
      return;
    }
    if (outcome === "continue" && !recurse) {
      // The CNAME chain so far: the client resolves the rest.
      finish(DnsRcode.NoError);
      return;
    }
    if (outcome === "referral" && !recurse) {
      this.counters.referrals++;
      finish(DnsRcode.NoError);
      return;
    }
    if (!recurse) {
      finish(DnsRcode.Refused);
      return;
    }
    // Recursion: resolve the name (or the end of our CNAME chain) for the client.
    this.counters.recursive++;
    detail = "recursive";
    const chain = outcome === "continue" ? response.answers.slice() : [];
    const target =
      chain.length > 0 && chain[chain.length - 1].data.kind === "name"
        ? (chain[chain.length - 1].data as { name: string }).name
        : question.name;
    response.authoritative = false;
    response.authorities = [];
    response.additionals = response.additionals.filter((r) => r.type === DnsType.OPT);
    this.resolver!.resolve(target, question.type, (result) => {
      response.answers = [...chain, ...result.answers];
      response.authorities = result.authorities;
      finish(result.rcode);
    });
  }

  /**
   * Fills `response` from our zones. "answered": complete (rcode set); "continue": a CNAME chain
   * leading out of our zones (answers hold it); "referral": delegated (authority holds NS);
   * "none": not our zone.
   */
  private authoritative(
    name: string,
    type: number,
    response: DnsRepr,
  ): "answered" | "continue" | "referral" | "none" {
    let current = name;
    const chain: DnsRecord[] = [];
    for (let hops = 0; hops <= MAX_CNAME; hops++) {
      const zone = this.zoneFor(current);
      if (!zone) {
        if (chain.length === 0) return "none";
        response.answers = chain;
        return "continue";
      }
      const found = zone.lookup(current, type);
      switch (found.kind) {
        case "answer":
          response.authoritative = true;
          response.answers = [...chain, ...found.records];
          this.addAdditional(response);
          response.rcode = DnsRcode.NoError;
          return "answered";
        case "cname": {
          response.authoritative = true;
          chain.push(...found.records);
          current = found.target;
          if (chain.length > MAX_CNAME) {
            response.answers = chain;
            response.rcode = DnsRcode.NoError;
            return "answered";
          }
          continue;
        }
        case "referral":
          // RFC 1034 §4.3.2 step 3b: a referral; not authoritative for what is below the cut.
          response.authoritative = chain.length > 0;
          response.answers = [...chain, ...found.cname];
          response.authorities = found.ns;
          response.additionals = [...found.glue, ...response.additionals];
          return "referral";
        case "nodata":
        case "nxdomain":
          response.authoritative = true;
          response.answers = [...chain, ...found.cname];
          response.authorities = [found.soa];
          response.rcode = found.kind === "nxdomain" ? DnsRcode.NXDomain : DnsRcode.NoError;
          return "answered";
      }
    }
    return "none";
  }

  /** RFC 1035 §3.3.9, §3.3.11, RFC 2782: addresses of MX, NS and SRV targets we hold. */
  private addAdditional(response: DnsRepr): void {
    const seen = new Set<string>();
    for (const record of response.answers) {
      const d = record.data;
      const target =
        d.kind === "mx"
          ? d.exchange
          : d.kind === "srv"
            ? d.target
            : record.type === DnsType.NS && d.kind === "name"
              ? d.name
              : undefined;
      if (!target || seen.has(dnsNameKey(target))) continue;
      seen.add(dnsNameKey(target));
      const zone = this.zoneFor(target);
      if (!zone) continue;
      for (const r of zone.at(target))
        if (r.type === DnsType.A || r.type === DnsType.AAAA) response.additionals.unshift(r);
    }
  }

  private responseTo(query: DnsRepr): DnsRepr {
    return {
      id: query.id,
      response: true,
      opcode: query.opcode,
      authoritative: false,
      truncated: false,
      recursionDesired: query.recursionDesired,
      recursionAvailable: this.resolver !== undefined,
      zero: false,
      authenticData: false,
      checkingDisabled: query.checkingDisabled,
      rcode: DnsRcode.NoError,
      questions: query.questions.slice(0, 1),
      answers: [],
      authorities: [],
      additionals: [],
    };
  }

  private errorResponse(id: number, opcode: number, rcode: number): DnsRepr {
    this.count(rcode);
    return {
      id,
      response: true,
      opcode,
      authoritative: false,
      truncated: false,
      recursionDesired: false,
      recursionAvailable: this.resolver !== undefined,
      zero: false,
      authenticData: false,
      checkingDisabled: false,
      rcode,
      questions: [],
      answers: [],
      authorities: [],
      additionals: [],
    };
  }

  private count(rcode: number): void {
    this.counters.responses.set(rcode, (this.counters.responses.get(rcode) ?? 0) + 1);
  }

  /** Encodes `response`, making it fit `limit` (the client's EDNS size, capped at ours) over UDP. */
  private encode(response: DnsRepr, udpLimit: number, query: DnsRepr | undefined): Uint8Array {
    let limit = udpLimit;
    if (Number.isFinite(limit) && query) {
      const edns = dnsEdns(query);
      if (edns) limit = Math.max(DNS_UDP_LIMIT, Math.min(edns.udpPayloadSize, this.udpPayloadSize));
    }
    const whole = encodeDns(response);
    if (!Number.isFinite(limit) || whole.length <= limit) return whole;
    // RFC 2181 §9: drop additional data first (keeping OPT); TC only when the answer itself is cut.
    response.additionals = response.additionals.filter((r) => r.type === DnsType.OPT);
    if (dnsLength(response) <= limit) return encodeDns(response);
    this.counters.truncated++;
    response.truncated = true;
    response.answers = [];
    response.authorities = [];
    const bytes = new Uint8Array(dnsLength(response));
    emitDns(response, bytes);
    return bytes;
  }
}
