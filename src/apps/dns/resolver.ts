/**
 * A recursive resolver (RFC 1034 §5.3.3, RFC 1035 §7): it answers a question by asking
 * authoritative servers itself, starting from the root hints — or from forwarders, when configured
 * (dnsmasq's and home routers' way) — and remembers what it learns in a TTL cache.
 *
 * The walk, for a name and type:
 * 1. The cache may know the answer, a negative answer (RFC 2308), or a CNAME to follow.
 * 2. Otherwise, the closest enclosing zone whose name servers the cache knows (else the root) is
 *    where to start: ask one of its servers, without recursion desired.
 * 3. An answer ends the walk (after its CNAME chain: RFC 1034 §3.6.2); NXDOMAIN or NODATA too, and
 *    are cached for the SOA's negative TTL. A referral — NS records for a zone closer to the name,
 *    "in bailiwick" of the zone we asked about (RFC 1034 §5.3.3 step 4b; accepting records from
 *    elsewhere would let any server poison the cache) — caches the NS records and their glue, and
 *    the walk continues there. Name servers without glue are themselves resolved first.
 * 4. A server that times out, refuses or answers nonsense (lame) is skipped for the next one; a
 *    truncated answer is asked again over TCP (RFC 7766 §5). With no server left: SERVFAIL.
 *
 * Every walk is bounded: at most `maxQueries` queries, CNAME chains of 16, and NS-address lookups
 * nested four deep, so a loop among delegations cannot spin forever.
 */
import type { Node } from "../../devices/node.js";
import { type Nanoseconds, SECOND } from "../../sim/time.js";
import { Ipv4Address } from "../../wire/address/ipv4.js";
import {
  DnsClass,
  DnsOpcode,
  DnsRcode,
  type DnsRecord,
  type DnsRepr,
  DnsType,
  dnsNameInZone,
  dnsNameKey,
  dnsNamesEqual,
  dnsQuery,
  ednsRecord,
} from "../../wire/dns.js";
import { DnsCache, type DnsCacheOptions } from "./cache.js";
import { type DnsTransport, dnsExchange } from "./transport.js";
import { splitName } from "./zone.js";

export interface ResolveResult {
  rcode: number;
  /** The answer section: the CNAME chain, then the records asked for. */
  answers: DnsRecord[];
  /** For a negative answer: the SOA that says how long it may be cached. */
  authorities: DnsRecord[];
  /** Queries sent to other servers for this answer (0: from the cache). */
  queries: number;
  /** Why it failed, for SERVFAIL. */
  reason?: string;
}

export interface RecursiveResolverOptions {
  /** Addresses of the root servers to start from. */
  rootHints?: readonly (string | Ipv4Address)[];
  /** Ask these with recursion desired instead of walking the tree. */
  forwarders?: readonly (string | Ipv4Address)[];
  /** How long to wait for each server (default 2 s). */
  timeout?: Nanoseconds;
  /** Queries one resolution may send (default 64). */
  maxQueries?: number;
  cache?: DnsCacheOptions;
}

const MAX_CNAME = 16;
const MAX_DEPTH = 4;

export class RecursiveResolver {
  readonly cache: DnsCache;
  readonly rootHints: Ipv4Address[];
  readonly forwarders: Ipv4Address[];
  readonly timeout: Nanoseconds;
  readonly maxQueries: number;
  readonly counters = { resolutions: 0, queriesSent: 0, timeouts: 0, servfails: 0, tcpRetries: 0 };

  constructor(
    readonly node: Node,
    options: RecursiveResolverOptions = {},
  ) {
    const addresses = (list: readonly (string | Ipv4Address)[] | undefined) =>
      (list ?? []).map((a) => (typeof a === "string" ? Ipv4Address.parse(a) : a));
    this.rootHints = addresses(options.rootHints);
    this.forwarders = addresses(options.forwarders);
    this.timeout = options.timeout ?? 2 * SECOND;
    this.maxQueries = options.maxQueries ?? 64;
    this.cache = new DnsCache(node.scheduler, options.cache);
  }

  /** Resolves `name`/`type` (class IN) and calls `done` once with the outcome. */
  resolve(name: string, type: number, done: (result: ResolveResult) => void): void {
    this.counters.resolutions++;
    new Resolution(this, name, type, 0, { queries: 0 }, (result) => {
      if (result.rcode === DnsRcode.ServFail) this.counters.servfails++;
      done(result);
    }).start();
  }

  /** @internal One query to one server, counted. */
  ask(
    server: Ipv4Address,
    name: string,
    type: number,
    recursionDesired: boolean,
    transport: DnsTransport,
    done: (response: DnsRepr | undefined, why?: string) => void,
  ): void {
    this.counters.queriesSent++;
    if (transport === "TCP") this.counters.tcpRetries++;
    const query = dnsQuery(this.node.ipv4.random.int(0x10000), name, type, { recursionDesired });
    query.additionals.push(ednsRecord({ udpPayloadSize: 1232 }));
    dnsExchange(this.node, server, query, { timeout: this.timeout, transport }, (result) => {
      if (result.ok) done(result.response);
      else {
        if (result.error === "timeout") this.counters.timeouts++;
        done(undefined, `${server}: ${result.error}`);
      }
    });
  }
}

/** The work of answering one question; sub-resolutions (NS addresses) share the query budget. */
class Resolution {
  private readonly chain: DnsRecord[] = [];
  private finished = false;

  constructor(
    private readonly resolver: RecursiveResolver,
    private name: string,
    private readonly type: number,
    private readonly depth: number,
    private readonly budget: { queries: number },
    private readonly done: (result: ResolveResult) => void,
  ) {}

  start(): void {
    this.lookup();
  }

  private finish(rcode: number, answers: DnsRecord[], authorities: DnsRecord[] = [], reason?: string): void {
    if (this.finished) return;
    this.finished = true;
    this.done({
      rcode,
      answers: [...this.chain, ...answers],
      authorities,
      queries: this.budget.queries,
      ...(reason ? { reason } : {}),
    });
  }

  private fail(reason: string): void {
    this.finish(DnsRcode.ServFail, [], [], reason);
  }

  /** Step 1: the cache; then step 2. */
  private lookup(): void {
    const cache = this.resolver.cache;
    for (let hops = 0; ; hops++) {
      if (this.chain.length > MAX_CNAME || hops > MAX_CNAME) {
        this.fail("CNAME chain too long");
        return;
      }
      const hit = cache.get(this.name, this.type, DnsClass.IN);
      if (hit?.kind === "records") {
        this.finish(DnsRcode.NoError, hit.records);
        return;
      }
      if (hit?.kind === "negative") {
        this.finish(hit.rcode, [], hit.soa ? [hit.soa] : []);
        return;
      }
      if (this.type === DnsType.CNAME) break;
      const cname = cache.get(this.name, DnsType.CNAME, DnsClass.IN);
      if (cname?.kind !== "records" || cname.records[0].data.kind !== "name") break;
      this.chain.push(cname.records[0]);
      this.name = cname.records[0].data.name;
    }
    const forwarders = this.resolver.forwarders;
    if (forwarders.length > 0) {
      this.askServers(forwarders, ".", true);
      return;
    }
    const start = this.closestServers();
    if (!start) {
      this.fail("no root hints and no forwarders");
      return;
    }
    if (start.addresses.length > 0) this.askServers(start.addresses, start.zone, false);
    else this.resolveNameServers(start.zone, start.names);
  }

  /** Step 2: the closest zone whose servers the cache knows, else the root hints. */
  private closestServers(): { zone: string; addresses: Ipv4Address[]; names: string[] } | undefined {
    const cache = this.resolver.cache;
    const parts = splitName(this.name);
    for (let i = 0; i <= parts.length; i++) {
      const zone = i === parts.length ? "." : parts.slice(i).join(".");
      const ns = cache.get(zone, DnsType.NS, DnsClass.IN);
      if (ns?.kind !== "records") continue;
      const names = ns.records.flatMap((r) => (r.data.kind === "name" ? [r.data.name] : []));
      const addresses = names.flatMap((n) => {
        const a = cache.get(n, DnsType.A, DnsClass.IN);
        return a?.kind === "records"
          ? a.records.flatMap((r) => (r.data.kind === "a" ? [r.data.address] : []))
          : [];
      });
      // Servers whose names are inside the zone and have no address cached would need the zone
      // itself to find them: fall back to a zone further up.
      if (addresses.length === 0 && names.every((n) => dnsNameInZone(n, zone))) continue;
      return { zone, addresses, names };
    }
    const hints = this.resolver.rootHints;
    return hints.length > 0 ? { zone: ".", addresses: [...hints], names: [] } : undefined;
  }

  /** Name servers known by name only: resolve their addresses (a nested resolution), then ask. */
  private resolveNameServers(zone: string, names: string[]): void {
    if (this.depth >= MAX_DEPTH) {
      this.fail(`name servers of ${zone} nested too deep`);
      return;
    }
    const tryName = (i: number) => {
      if (i >= names.length) {
        this.fail(`no address for any name server of ${zone}`);
        return;
      }
      new Resolution(this.resolver, names[i], DnsType.A, this.depth + 1, this.budget, (result) => {
        const addresses = result.answers.flatMap((r) => (r.data.kind === "a" ? [r.data.address] : []));
        if (addresses.length > 0) this.askServers(addresses, zone, false);
        else tryName(i + 1);
      }).start();
    };
    tryName(0);
  }

  /** Asks the servers in turn until one gives a usable response (step 4). */
  private askServers(servers: Ipv4Address[], zone: string, recursionDesired: boolean): void {
    const failures: string[] = [];
    const next = (i: number, transport: DnsTransport) => {
      if (i >= servers.length) {
        this.fail(`no server answered for ${zone} (${failures.join("; ")})`);
        return;
      }
      if (this.budget.queries >= this.resolver.maxQueries) {
        this.fail("query limit reached");
        return;
      }
      this.budget.queries++;
      this.resolver.ask(servers[i], this.name, this.type, recursionDesired, transport, (response, why) => {
        if (!response) {
          failures.push(why ?? String(servers[i]));
          return next(i + 1, "UDP");
        }
        if (response.truncated && transport === "UDP") return next(i, "TCP");
        if (!this.handle(response, zone, recursionDesired)) {
          failures.push(`${servers[i]}: unusable answer`);
          next(i + 1, "UDP");
        }
      });
    };
    next(0, "UDP");
  }

  /** Step 3. Returns false when the response is of no use (try another server). */
  private handle(response: DnsRepr, zone: string, forwarded: boolean): boolean {
    const cache = this.resolver.cache;
    if (response.opcode !== DnsOpcode.Query) return false;
    const rcode = response.rcode;
    if (rcode !== DnsRcode.NoError && rcode !== DnsRcode.NXDomain) return false;
    const inZone = (r: DnsRecord) => forwarded || dnsNameInZone(r.name, zone);
    // Follow the CNAME chain within the answer section, caching as we go.
    const answers = response.answers.filter(inZone);
    cache.putAll(answers);
    let current = this.name;
    for (let hops = 0; hops <= MAX_CNAME; hops++) {
      const wanted = answers.filter(
        (r) => dnsNamesEqual(r.name, current) && (r.type === this.type || this.type === DnsType.ANY),
      );
      if (wanted.length > 0) {
        this.finish(DnsRcode.NoError, wanted);
        return true;
      }
      const cname = answers.find((r) => dnsNamesEqual(r.name, current) && r.type === DnsType.CNAME);
      if (cname?.data.kind !== "name") break;
      this.chain.push(cname);
      current = cname.data.name;
    }
    const soa = response.authorities.find((r) => r.type === DnsType.SOA && inZone(r));
    if (rcode === DnsRcode.NXDomain) {
      cache.putNegative(current, this.type, DnsClass.IN, DnsRcode.NXDomain, soa);
      this.finish(DnsRcode.NXDomain, [], soa ? [soa] : []);
      return true;
    }
    if (!dnsNamesEqual(current, this.name)) {
      // The chain led elsewhere: start over for the target (from the cache or the root).
      this.name = current;
      if (forwarded) {
        // A forwarder that stopped at a CNAME gave all it had.
        this.finish(DnsRcode.NoError, []);
        return true;
      }
      this.lookup();
      return true;
    }
    // A referral: NS records for a zone between the one we asked and the name (in bailiwick).
    const ns = response.authorities.filter(
      (r) =>
        r.type === DnsType.NS &&
        dnsNameInZone(this.name, r.name) &&
        dnsNameInZone(r.name, zone) &&
        dnsNameKey(r.name) !== dnsNameKey(zone),
    );
    if (!forwarded && ns.length > 0 && answers.length === 0) {
      const child = ns[0].name;
      const cut = ns.filter((r) => dnsNamesEqual(r.name, child));
      cache.putRecords(cut);
      const names = cut.flatMap((r) => (r.data.kind === "name" ? [r.data.name] : []));
      // Glue is trusted only for names inside the zone that delegates (RFC 2181 §5.4.1).
      const glue = response.additionals.filter(
        (r) =>
          (r.type === DnsType.A || r.type === DnsType.AAAA) &&
          dnsNameInZone(r.name, zone) &&
          names.some((n) => dnsNamesEqual(n, r.name)),
      );
      cache.putAll(glue);
      const addresses = glue.flatMap((r) => (r.data.kind === "a" ? [r.data.address] : []));
      if (addresses.length > 0) this.askServers(addresses, child, false);
      else this.resolveNameServers(child, names);
      return true;
    }
    if (response.authoritative || forwarded || soa) {
      // NODATA (RFC 2308 §2.2): the name exists, the type does not.
      cache.putNegative(this.name, this.type, DnsClass.IN, DnsRcode.NoError, soa);
      this.finish(DnsRcode.NoError, [], soa ? [soa] : []);
      return true;
    }
    return false;
  }
}
