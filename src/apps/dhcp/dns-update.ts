/**
 * DHCP names in DNS, as dnsmasq gives them: when a DHCP server binds a lease to a client that sent
 * a host name (option 12, RFC 2132 §3.14) — or whose reservation names it — the name gets an A
 * record `NAME.ORIGIN` in every forward zone and a PTR record in the reverse zone holding the
 * address; when the lease ends (released, declined, expired, or the client moved to another
 * address) both go again.
 *
 * RFC 4702 and RFC 4703 describe the same job done by a DHCP server that sends DNS UPDATE messages
 * (RFC 2136) to a separate name server. In a lab the zones live in the same process, so the
 * updater edits them directly: the effect on the zone is that of RFC 2136's add and delete (and the
 * SOA serial moves, §3.6), without the UPDATE message on the wire.
 *
 * The rules are dnsmasq's:
 * - the name is the first label of the host name, lower-cased; one that is not a valid host name
 *   (RFC 1123 §2.1: letters, digits and hyphens, 1-63 of them, no hyphen at either end) is not
 *   registered;
 * - a name the zone already has — a node of the lab, a record from the file, another client's
 *   lease — is not taken over ("not giving name ... because the name exists", as dnsmasq logs);
 *   RFC 4703 §5.3's conflict detection protects a name the same way;
 * - the records' TTL is 0 by default (dnsmasq's `local-ttl`): a lease may end at any moment, and a
 *   resolver that kept the answer would hand out an address that belongs to someone else.
 *
 * Expiry is lazy in the pool (src/apps/dhcp/pool.ts), so the updater keeps one timer per
 * registered name, at the end of its lease, and asks the server then whether the lease was renewed.
 */
import type { Timer } from "../../sim/scheduler.js";
import type { Ipv4Address } from "../../wire/address/ipv4.js";
import type { DnsRecord } from "../../wire/dns.js";
import { dnsNameInZone } from "../../wire/dns.js";
import { reverseName, type Zone } from "../dns/zone.js";
import type { DhcpServer } from "./server.js";
import { traceDhcp } from "./trace.js";

export interface DhcpDnsOptions {
  /** Zones that get `NAME.ORIGIN IN A address`. */
  forward: readonly Zone[];
  /** Reverse (in-addr.arpa) zones: the one holding an address gets its PTR record. */
  reverse?: readonly Zone[];
  /** The domain PTR records name (`NAME.DOMAIN.`); by default the first forward zone's origin. */
  domain?: string;
  /** TTL of the records, seconds (default 0, as dnsmasq's local-ttl). */
  ttl?: number;
  /** Where log lines go besides {@link DhcpDnsUpdater.log}. */
  write?(line: string): void;
}

/** What is in the zones for one bound address. */
interface Registration {
  address: Ipv4Address;
  name: string;
  records: { zone: Zone; record: DnsRecord }[];
  timer: Timer | undefined;
  expires: number;
}

export class DhcpDnsUpdater {
  readonly log: string[] = [];
  /** By address (uint32). */
  private readonly registered = new Map<number, Registration>();
  private unwatch: (() => void) | undefined;

  constructor(
    readonly server: DhcpServer,
    readonly options: DhcpDnsOptions,
  ) {}

  /** Starts following the server's leases (and registers those already bound). */
  start(): this {
    if (this.unwatch) return this;
    this.unwatch = this.server.watchLeases((address) => this.leaseChanged(address));
    for (const lease of this.server.leases()) if (lease.state === "bound") this.reconcile(lease.address);
    return this;
  }

  /** Stops following, and takes every registered name out of the zones. */
  stop(): void {
    this.unwatch?.();
    this.unwatch = undefined;
    for (const registration of [...this.registered.values()]) this.unregister(registration);
  }

  /** The names registered now: `name` (the host label) → address. */
  names(): Map<string, Ipv4Address> {
    return new Map([...this.registered.values()].map((r) => [r.name, r.address]));
  }

  private get now(): number {
    return this.server.node.scheduler.now;
  }

  /**
   * A lease at `address` changed. A client given a new address leaves its old lease "released"
   * without an event of its own, so every registered address is looked at again too.
   */
  private leaseChanged(address: Ipv4Address): void {
    for (const registration of [...this.registered.values()]) {
      if (!registration.address.equals(address)) this.reconcile(registration.address);
    }
    this.reconcile(address);
  }

  /** Makes the zones agree with the lease bound at `address` now (or with there being none). */
  private reconcile(address: Ipv4Address): void {
    const bound = this.server.boundLease(address);
    const name = bound ? hostLabel(bound.hostname) : undefined;
    const current = this.registered.get(address.value);
    if (current && bound && current.name === name) {
      this.arm(current, bound.lease.expires);
      return;
    }
    if (current) this.unregister(current);
    if (!bound) return;
    if (name === undefined) {
      if (bound.hostname !== undefined)
        this.write(`not giving a name to ${address}: "${bound.hostname}" is not a valid host name`);
      return;
    }
    this.register(address, name, bound.lease.expires);
  }

  private register(address: Ipv4Address, name: string, expires: number): void {
    const { forward, reverse = [] } = this.options;
    const ttl = this.options.ttl ?? 0;
    for (const zone of forward) {
      const owner = zone.absolute(name);
      const taken = zone.at(owner);
      if (taken.length > 0) {
        this.write(
          `not giving name ${owner} to the DHCP lease of ${address} because the name exists in zone ${zone.origin}`,
        );
        return;
      }
    }
    const registration: Registration = { address, name, records: [], timer: undefined, expires };
    for (const zone of forward) {
      const record = zone.addText({
        name: `${zone.absolute(name)}.`,
        type: "A",
        value: address.toString(),
        ttl,
      });
      registration.records.push({ zone, record });
    }
    const domain = this.options.domain ?? forward[0]?.origin;
    const target = domain === undefined || domain === "." ? `${name}.` : `${name}.${domain}.`;
    const pointer = reverseName(address);
    for (const zone of reverse) {
      // A PTR already there (a node of the lab with this address) keeps its place.
      if (!dnsNameInZone(pointer, zone.origin) || zone.at(pointer).length > 0) continue;
      const record = zone.addText({ name: `${pointer}.`, type: "PTR", value: target, ttl });
      registration.records.push({ zone, record });
    }
    for (const zone of new Set(registration.records.map((r) => r.zone))) zone.bumpSerial();
    this.registered.set(address.value, registration);
    this.arm(registration, expires);
    this.write(`DNS: ${name} is ${address} (${registration.records.length} records)`);
  }

  private unregister(registration: Registration): void {
    this.server.node.scheduler.cancel(registration.timer);
    registration.timer = undefined;
    for (const { zone, record } of registration.records) zone.remove(record);
    for (const zone of new Set(registration.records.map((r) => r.zone))) zone.bumpSerial();
    this.registered.delete(registration.address.value);
    this.write(`DNS: ${registration.name} (${registration.address}) removed`);
  }

  /** Looks again when the lease runs out (it may have been renewed by then). */
  private arm(registration: Registration, expires: number): void {
    if (registration.timer?.active && registration.expires === expires) return;
    this.server.node.scheduler.cancel(registration.timer);
    registration.expires = expires;
    if (!Number.isFinite(expires)) {
      registration.timer = undefined;
      return;
    }
    const at = Math.max(expires, this.now);
    registration.timer = this.server.node.scheduler.at(at, () => {
      registration.timer = undefined;
      this.reconcile(registration.address);
    });
  }

  private write(line: string): void {
    if (this.log.length >= 1000) this.log.shift();
    this.log.push(line);
    this.options.write?.(line);
    traceDhcp(this.server.node.tracer, {
      time: this.now,
      node: this.server.node.name,
      role: "server",
      message: line,
    });
  }
}

/**
 * The host label a DHCP host name gives (its first label, lower-cased), or undefined when it is
 * not a valid host name (RFC 1123 §2.1, RFC 952).
 */
export function hostLabel(hostname: string | undefined): string | undefined {
  if (hostname === undefined) return undefined;
  const label = hostname.split(".")[0].toLowerCase();
  return /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(label) ? label : undefined;
}
