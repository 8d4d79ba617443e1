/**
 * The stub resolver every host has (RFC 1034 §5.3.1; glibc's res_search): it asks the name
 * servers of the node's resolv.conf, with recursion desired, and trusts their answer.
 *
 * - **Search list** (resolv.conf(5)): a name with fewer dots than `ndots` is tried with each search
 *   domain appended first, then as given; other names as given first. A name ending in a dot is
 *   only tried as is. NXDOMAIN moves on to the next candidate.
 * - **Servers** are tried in order, `attempts` rounds, each waiting `timeout`; SERVFAIL and
 *   REFUSED move on to the next server (as glibc does).
 * - A truncated UDP answer is asked again over TCP (RFC 7766 §5).
 */
import type { Node } from "../../devices/node.js";
import { type Nanoseconds, SECOND } from "../../sim/time.js";
import { Ipv4Address } from "../../wire/address/ipv4.js";
import { type IpAddress, Ipv6Address } from "../../wire/address/ipv6.js";
import {
  DnsRcode,
  type DnsRecord,
  type DnsRepr,
  DnsType,
  dnsQuery,
  dnsRcodeName,
  dnsTypeName,
  ednsRecord,
} from "../../wire/dns.js";
import { resolvConf } from "./resolv-conf.js";
import { traceDns } from "./trace.js";
import { type DnsTransport, dnsExchange } from "./transport.js";

export interface StubResult {
  /** RCODE of the final answer; SERVFAIL (2) also when no server answered. */
  rcode: number;
  /** The name that got the answer (after the search list). */
  name: string;
  answers: DnsRecord[];
  authorities: DnsRecord[];
  /** The response as received, when there was one. */
  response?: DnsRepr;
  server?: IpAddress;
  transport?: DnsTransport;
  /** Octets of the response. */
  size?: number;
  rtt?: Nanoseconds;
  /** Why there is no answer: "no name servers", "timed out", ... */
  error?: string;
}

export interface StubOptions {
  /** Ask these instead of resolv.conf's name servers. */
  servers?: readonly IpAddress[];
  /** Apply the search list (default true). */
  search?: boolean;
  recursionDesired?: boolean;
  /** Take whatever RCODE the first server gives, as dig does (default: try the next on SERVFAIL/REFUSED). */
  anyRcode?: boolean;
  /** Start with TCP. */
  tcp?: boolean;
  /** Send an EDNS OPT record (default true, 1232 octets). */
  edns?: boolean;
  port?: number;
  timeout?: Nanoseconds;
  attempts?: number;
}

/** The names to try for `name`, in order (resolv.conf(5) "search" and "ndots"). */
export function searchCandidates(name: string, search: readonly string[], ndots: number): string[] {
  if (name.endsWith(".")) return [name.slice(0, -1) || "."];
  const dots = name.split(".").length - 1;
  const withSearch = search.map((domain) => `${name}.${domain}`);
  return dots >= ndots ? [name, ...withSearch] : [...withSearch, name];
}

/** Resolves `name`/`type` as the node's stub resolver would; calls `done` once. */
export function stubResolve(
  node: Node,
  name: string,
  type: number,
  done: (result: StubResult) => void,
  options: StubOptions = {},
): void {
  const conf = resolvConf(node);
  const servers = options.servers ?? nameservers(node);
  const finish = done;
  done = (result: StubResult) => {
    traceDns(node.tracer, {
      time: node.scheduler.now,
      node: node.name,
      role: "stub",
      name: result.name,
      qtype: dnsTypeName(type),
      rcode: result.response
        ? dnsRcodeName(result.response.rcode)
        : result.error === "timed out"
          ? "TIMEOUT"
          : dnsRcodeName(result.rcode),
      detail: result.server ? String(result.server) : (result.error ?? ""),
      answers: result.answers.length,
    });
    finish(result);
  };
  if (servers.length === 0) {
    node.scheduler.after(0, () =>
      done({ rcode: DnsRcode.ServFail, name, answers: [], authorities: [], error: "no name servers" }),
    );
    return;
  }
  const candidates =
    options.search === false
      ? [name.replace(/\.$/, "") || "."]
      : searchCandidates(name, conf.search, conf.ndots);
  const timeout = options.timeout ?? conf.timeout * SECOND;
  const attempts = options.attempts ?? conf.attempts;
  let lastNegative: StubResult | undefined;

  const tryCandidate = (c: number) => {
    if (c >= candidates.length) {
      done(
        lastNegative ?? { rcode: DnsRcode.ServFail, name, answers: [], authorities: [], error: "no answer" },
      );
      return;
    }
    const candidate = candidates[c];
    let failure = "timed out";
    let failed: StubResult | undefined;
    const tryServer = (i: number, transport: DnsTransport) => {
      if (i >= servers.length * attempts) {
        // Every server failed: report the last SERVFAIL/REFUSED answer if there was one.
        done(
          failed
            ? { ...failed, error: failure }
            : { rcode: DnsRcode.ServFail, name: candidate, answers: [], authorities: [], error: failure },
        );
        return;
      }
      const server = servers[i % servers.length];
      const query = dnsQuery(node.ipv4.random.int(0x10000), candidate, type, {
        recursionDesired: options.recursionDesired ?? true,
      });
      if (options.edns ?? true) query.additionals.push(ednsRecord({ udpPayloadSize: 1232 }));
      dnsExchange(
        node,
        server,
        query,
        { timeout, transport, ...(options.port ? { port: options.port } : {}) },
        (result) => {
          if (!result.ok) {
            failure =
              result.error === "timeout"
                ? "timed out"
                : `${result.error}${result.detail ? ` (${result.detail})` : ""}`;
            return tryServer(i + 1, options.tcp ? "TCP" : "UDP");
          }
          const response = result.response;
          if (response.truncated && transport === "UDP") return tryServer(i, "TCP");
          const answer: StubResult = {
            rcode: response.rcode,
            name: candidate,
            answers: response.answers,
            authorities: response.authorities,
            response,
            server,
            transport: result.transport,
            size: result.size,
            rtt: result.rtt,
          };
          if (
            !options.anyRcode &&
            (response.rcode === DnsRcode.ServFail || response.rcode === DnsRcode.Refused)
          ) {
            failure = response.rcode === DnsRcode.ServFail ? "SERVFAIL" : "REFUSED";
            failed = answer;
            return tryServer(i + 1, options.tcp ? "TCP" : "UDP");
          }
          if (response.rcode === DnsRcode.NXDomain) {
            lastNegative = answer;
            return tryCandidate(c + 1);
          }
          done(answer);
        },
      );
    };
    tryServer(0, options.tcp ? "TCP" : "UDP");
  };
  tryCandidate(0);
}

/**
 * The name servers to ask: resolv.conf's, or (none there) the ones router advertisements gave
 * (RDNSS, RFC 8106 §5.3.1: the host keeps them for its resolver, as rdnssd does).
 */
export function nameservers(node: Node): IpAddress[] {
  const conf = resolvConf(node);
  if (conf.nameservers.length > 0) return conf.nameservers;
  return node.hasIpv6 ? node.ipv6.nd.currentDnsServers() : [];
}

/** The addresses in a stub answer, after its CNAME chain. */
export function addressesOf(result: StubResult): Ipv4Address[] {
  return result.answers.flatMap((r) => (r.type === DnsType.A && r.data.kind === "a" ? [r.data.address] : []));
}

/** The IPv6 addresses in a stub answer, after its CNAME chain. */
export function ipv6AddressesOf(result: StubResult): Ipv6Address[] {
  return result.answers.flatMap((r) =>
    r.type === DnsType.AAAA && r.data.kind === "aaaa" ? [r.data.address] : [],
  );
}

/**
 * `getaddrinfo`: an address literal as is, `localhost` as 127.0.0.1 (::1 for IPv6), anything else
 * through the stub resolver: an A query for `family` 4, AAAA for 6. Without a family, as glibc with
 * AI_ADDRCONFIG: A first when the node has an IPv4 address, AAAA when it has a global IPv6 one
 * (an IPv6-only host asks AAAA only, and through DNS64 reaches IPv4-only names). Resolves to the
 * first address, or rejects with an Error like glibc's message.
 */
export function resolveHost(node: Node, host: string, family?: 4 | 6): Promise<IpAddress> {
  const literal = family === 6 ? undefined : Ipv4Address.tryParse(host);
  if (literal) return Promise.resolve(literal);
  const literal6 = family === 4 ? undefined : Ipv6Address.tryParse(host);
  if (literal6) return Promise.resolve(literal6);
  if (host === "localhost") {
    return Promise.resolve(family === 6 ? Ipv6Address.parse("::1") : new Ipv4Address(0x7f000001));
  }
  const hasIpv4 = node.primaryAddress !== undefined;
  const hasIpv6 = node.primaryIpv6Address !== undefined;
  const order: (4 | 6)[] = family ? [family] : hasIpv4 || !hasIpv6 ? (hasIpv6 ? [4, 6] : [4]) : [6];
  return new Promise((resolve, reject) => {
    let negative = false;
    const next = (i: number) => {
      if (i >= order.length) {
        if (negative) reject(new Error(`${host}: Name or service not known`));
        else reject(new Error(`${host}: Temporary failure in name resolution`));
        return;
      }
      const v6 = order[i] === 6;
      stubResolve(node, host, v6 ? DnsType.AAAA : DnsType.A, (result) => {
        const [first] = v6 ? ipv6AddressesOf(result) : addressesOf(result);
        if (first) return resolve(first);
        if (result.rcode === DnsRcode.NXDomain || result.rcode === DnsRcode.NoError) negative = true;
        next(i + 1);
      });
    };
    next(0);
  });
}
