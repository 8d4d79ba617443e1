/**
 * An address pool and its leases: which addresses of a subnet a DHCP server may hand out, to whom
 * each is bound and until when (RFC 2131 §3.1, §4.3.1).
 *
 * Allocation follows RFC 2131 §4.3.1's order of preference for a DISCOVER: the client's static
 * reservation; its current binding; the address it had before (leases are kept after they end, so
 * a returning client gets its old address back); the address it asks for, if free; then a fresh
 * address — never-used addresses first, then the one free the longest ("the server SHOULD choose
 * ... the address that was least recently used"). Declined and conflicting addresses are held back
 * for a while (RFC 2131 §4.3.3: "mark the network address as not available").
 * Expiry is evaluated lazily against the virtual clock, so an idle pool costs no timers.
 */
import type { Nanoseconds } from "../../sim/time.js";
import { Ipv4Address, type Ipv4Prefix } from "../../wire/address/ipv4.js";
import { MacAddress } from "../../wire/address/mac.js";

/** A fixed address for a hardware address (dnsmasq's dhcp-host, ISC's host { fixed-address }). */
export interface StaticLease {
  mac: MacAddress;
  address: Ipv4Address;
  hostname?: string;
}

/** A pool as the server uses it, with every default resolved. */
export interface PoolConfig {
  /** The subnet, e.g. 192.168.1.0/24 (network form). */
  subnet: Ipv4Prefix;
  /** First and last address handed out dynamically (inclusive). */
  start: Ipv4Address;
  end: Ipv4Address;
  /** Option 3; empty means "the relay agent's address" for relayed subnets. */
  routers: Ipv4Address[];
  /** Option 6. */
  dns: Ipv4Address[];
  /** Option 15. */
  domain?: string;
  /** Seconds. */
  leaseTime: number;
  statics: StaticLease[];
  /** The interface serving it directly, or undefined for a subnet reached through relay agents. */
  iface?: string;
}

export type LeaseState = "offered" | "bound" | "released" | "expired" | "declined";

export interface Lease {
  address: Ipv4Address;
  /** The client identifier (option 61) as hex, or "mac:" + chaddr when the client sent none. */
  clientKey: string;
  mac: MacAddress;
  hostname?: string;
  state: LeaseState;
  /** When the lease (or the offer, or the decline hold) ends. */
  expires: Nanoseconds;
  /** When it was last given or freed (for least-recently-used reuse). */
  changed: Nanoseconds;
  static: boolean;
}

export class AddressPool {
  private readonly byAddress = new Map<number, Lease>();
  private readonly byClient = new Map<string, Lease>();
  private readonly staticByMac = new Map<number, StaticLease>();
  private readonly staticAddresses = new Set<number>();
  /** Where the search for a never-used address resumes. */
  private cursor: number;

  constructor(
    readonly config: PoolConfig,
    /** Addresses never to hand out (the server's and routers' own). */
    private readonly reserved: ReadonlySet<number>,
  ) {
    for (const s of config.statics) {
      this.staticByMac.set(s.mac.value, s);
      this.staticAddresses.add(s.address.value);
    }
    this.cursor = config.start.value;
  }

  /** Whether `address` belongs to this pool's subnet. */
  contains(address: Ipv4Address): boolean {
    return this.config.subnet.contains(address);
  }

  /** Whether `address` may be leased dynamically: in the range, not reserved, not static. */
  private inRange(value: number): boolean {
    return (
      value >= this.config.start.value &&
      value <= this.config.end.value &&
      !this.reserved.has(value) &&
      !this.staticAddresses.has(value)
    );
  }

  /** Updates states whose time ran out (lazy expiry). */
  private refresh(lease: Lease, now: Nanoseconds): Lease {
    if (lease.expires > now) return lease;
    if (lease.state === "bound" || lease.state === "offered") {
      lease.state = lease.state === "bound" ? "expired" : "released";
      lease.changed = lease.expires;
    } else if (lease.state === "declined") {
      // The hold is over: the address may be tried again, but no client owns it.
      this.byAddress.delete(lease.address.value);
      lease.state = "released";
    }
    return lease;
  }

  /** Whether `address` is free for `clientKey` now. */
  isFreeFor(address: Ipv4Address, clientKey: string, now: Nanoseconds): boolean {
    const lease = this.byAddress.get(address.value);
    if (!lease) return true;
    this.refresh(lease, now);
    if (lease.clientKey === clientKey) return lease.state !== "declined";
    return lease.state === "released" || lease.state === "expired";
  }

  /** The client's static reservation, if any. */
  staticFor(mac: MacAddress): StaticLease | undefined {
    return this.staticByMac.get(mac.value);
  }

  /** The client's lease record (current or past), if any. */
  leaseOf(clientKey: string, now: Nanoseconds): Lease | undefined {
    const lease = this.byClient.get(clientKey);
    return lease ? this.refresh(lease, now) : undefined;
  }

  /** The lease record holding `address`, if any. */
  leaseAt(address: Ipv4Address, now: Nanoseconds): Lease | undefined {
    const lease = this.byAddress.get(address.value);
    return lease ? this.refresh(lease, now) : undefined;
  }

  /**
   * Chooses an address for a DISCOVER (RFC 2131 §4.3.1), or undefined when the pool is exhausted.
   * `skip` holds addresses found in use (ping check) that must not be offered now.
   */
  choose(
    clientKey: string,
    mac: MacAddress,
    requested: Ipv4Address | undefined,
    now: Nanoseconds,
    skip: ReadonlySet<number> = new Set(),
  ): Ipv4Address | undefined {
    const reservation = this.staticFor(mac);
    if (reservation) return reservation.address;
    const usable = (value: number) => !skip.has(value);
    const previous = this.leaseOf(clientKey, now);
    if (previous && previous.state !== "declined" && !previous.static) {
      const value = previous.address.value;
      if (this.inRange(value) && usable(value) && this.isFreeFor(previous.address, clientKey, now)) {
        return previous.address;
      }
    }
    if (
      requested &&
      this.inRange(requested.value) &&
      usable(requested.value) &&
      this.isFreeFor(requested, clientKey, now)
    ) {
      return requested;
    }
    // Never-used addresses first, from a moving cursor.
    const start = this.config.start.value;
    const end = this.config.end.value;
    const size = end - start + 1;
    for (let i = 0; i < size; i++) {
      const value = start + ((this.cursor - start + i) % size);
      if (!this.inRange(value) || !usable(value) || this.byAddress.has(value)) continue;
      this.cursor = value + 1 > end ? start : value + 1;
      return new Ipv4Address(value);
    }
    // Then the address free for the longest time.
    let best: Lease | undefined;
    for (const lease of this.byAddress.values()) {
      this.refresh(lease, now);
      if (lease.state !== "released" && lease.state !== "expired") continue;
      if (!this.inRange(lease.address.value) || !usable(lease.address.value)) continue;
      if (!best || lease.changed < best.changed) best = lease;
    }
    return best?.address;
  }

  /** Records that `address` is offered to (or bound to) the client until `expires`. */
  assign(
    address: Ipv4Address,
    clientKey: string,
    mac: MacAddress,
    state: "offered" | "bound",
    expires: Nanoseconds,
    now: Nanoseconds,
    hostname?: string,
  ): Lease {
    const old = this.byClient.get(clientKey);
    if (old && old.address.value !== address.value && this.byAddress.get(old.address.value) === old) {
      // A client holds one address per pool: its old one becomes free.
      if (old.state === "bound" || old.state === "offered") {
        old.state = "released";
        old.changed = now;
      }
    }
    const other = this.byAddress.get(address.value);
    if (other && other.clientKey !== clientKey && this.byClient.get(other.clientKey) === other) {
      this.byClient.delete(other.clientKey);
    }
    const lease: Lease = {
      address,
      clientKey,
      mac,
      ...(hostname !== undefined ? { hostname } : {}),
      state,
      expires,
      changed: now,
      static: this.staticAddresses.has(address.value),
    };
    this.byAddress.set(address.value, lease);
    this.byClient.set(clientKey, lease);
    return lease;
  }

  /** RELEASE: the client gives the address back; the record is kept for its return. */
  release(clientKey: string, address: Ipv4Address, now: Nanoseconds): boolean {
    const lease = this.byClient.get(clientKey);
    if (!lease || lease.address.value !== address.value || lease.state !== "bound") return false;
    lease.state = "released";
    lease.expires = now;
    lease.changed = now;
    return true;
  }

  /** Frees an offer the client did not take (it chose another server, RFC 2131 §4.3.2). */
  withdrawOffer(clientKey: string, now: Nanoseconds): void {
    const lease = this.byClient.get(clientKey);
    if (lease?.state === "offered") {
      lease.state = "released";
      lease.expires = now;
      lease.changed = now;
    }
  }

  /** DECLINE or a ping answer: the address is in use by someone we do not know; hold it back. */
  markUnavailable(address: Ipv4Address, until: Nanoseconds, now: Nanoseconds): void {
    const old = this.byAddress.get(address.value);
    if (old && this.byClient.get(old.clientKey) === old) this.byClient.delete(old.clientKey);
    this.byAddress.set(address.value, {
      address,
      clientKey: "",
      mac: old?.mac ?? MacAddress.ZERO,
      state: "declined",
      expires: until,
      changed: now,
      static: false,
    });
  }

  /** Every lease record, refreshed, in address order. */
  leases(now: Nanoseconds): Lease[] {
    return [...this.byAddress.values()]
      .map((l) => this.refresh(l, now))
      .filter((l) => this.byAddress.get(l.address.value) === l)
      .sort((a, b) => a.address.value - b.address.value);
  }

  /** Addresses in the dynamic range (for statistics). */
  get size(): number {
    let n = 0;
    for (let v = this.config.start.value; v <= this.config.end.value; v++) if (this.inRange(v)) n++;
    return n;
  }
}
