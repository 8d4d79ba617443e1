/**
 * IPv4 addresses and prefixes (RFC 791, RFC 4632 CIDR), with the subnet arithmetic a learner does
 * by hand: network and broadcast addresses, netmask, host range, number of hosts.
 * An address is one unsigned 32-bit integer (`value`), so comparisons and masks are cheap.
 */
export class Ipv4Address {
  readonly version = 4 as const;
  static readonly ANY = new Ipv4Address(0);
  static readonly BROADCAST = new Ipv4Address(0xffffffff);

  constructor(readonly value: number) {
    this.value = value >>> 0;
  }

  static fromBytes(bytes: Uint8Array, offset = 0): Ipv4Address {
    return new Ipv4Address(
      ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>>
        0,
    );
  }

  /** Dotted-quad text to an address; `undefined` when it is not exactly four decimal octets. */
  static tryParse(text: string): Ipv4Address | undefined {
    const parts = text.trim().split(".");
    if (parts.length !== 4) return undefined;
    let value = 0;
    for (const part of parts) {
      if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
      const octet = Number(part);
      if (octet > 255) return undefined;
      value = value * 256 + octet;
    }
    return new Ipv4Address(value);
  }

  static parse(text: string): Ipv4Address {
    const address = Ipv4Address.tryParse(text);
    if (!address)
      throw new TypeError(`invalid IPv4 address "${text}" (expected four octets 0-255, e.g. 192.0.2.1)`);
    return address;
  }

  writeTo(bytes: Uint8Array, offset = 0): void {
    const v = this.value;
    bytes[offset] = v >>> 24;
    bytes[offset + 1] = (v >>> 16) & 0xff;
    bytes[offset + 2] = (v >>> 8) & 0xff;
    bytes[offset + 3] = v & 0xff;
  }

  toBytes(): Uint8Array {
    const bytes = new Uint8Array(4);
    this.writeTo(bytes);
    return bytes;
  }

  equals(other: Ipv4Address): boolean {
    return this.value === other.value;
  }

  get isUnspecified(): boolean {
    return this.value === 0;
  }
  get isBroadcast(): boolean {
    return this.value === 0xffffffff;
  }
  /** 224.0.0.0/4 (RFC 5771). */
  get isMulticast(): boolean {
    return this.value >>> 28 === 0xe;
  }
  /** 127.0.0.0/8. */
  get isLoopback(): boolean {
    return this.value >>> 24 === 127;
  }
  /** 169.254.0.0/16 (RFC 3927). */
  get isLinkLocal(): boolean {
    return this.value >>> 16 === 0xa9fe;
  }
  /** RFC 1918 private ranges: 10/8, 172.16/12, 192.168/16. */
  get isPrivate(): boolean {
    const v = this.value;
    return v >>> 24 === 10 || v >>> 20 === 0xac1 || v >>> 16 === 0xc0a8;
  }

  toString(): string {
    const v = this.value;
    return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** The netmask for a prefix length as a 32-bit unsigned integer (length 0 gives 0). */
export function ipv4Netmask(length: number): number {
  return length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
}

/**
 * An address with a prefix length, as written on an interface (`10.0.1.10/24`). The address keeps
 * its host bits; `network` gives the prefix itself.
 */
export class Ipv4Prefix {
  constructor(
    readonly address: Ipv4Address,
    readonly length: number,
  ) {
    if (!Number.isInteger(length) || length < 0 || length > 32) {
      throw new RangeError(`IPv4 prefix length ${length} is outside 0..32`);
    }
  }

  /** `a.b.c.d/len` (a bare address means /32); `undefined` when malformed. */
  static tryParse(text: string): Ipv4Prefix | undefined {
    const [addressText, lengthText, extra] = text.trim().split("/");
    if (extra !== undefined) return undefined;
    const address = Ipv4Address.tryParse(addressText);
    if (!address) return undefined;
    if (lengthText === undefined) return new Ipv4Prefix(address, 32);
    if (!/^(0|[1-9][0-9]?)$/.test(lengthText)) return undefined;
    const length = Number(lengthText);
    return length <= 32 ? new Ipv4Prefix(address, length) : undefined;
  }

  static parse(text: string): Ipv4Prefix {
    const prefix = Ipv4Prefix.tryParse(text);
    if (!prefix)
      throw new TypeError(`invalid IPv4 prefix "${text}" (expected address/length, e.g. 10.0.1.0/24)`);
    return prefix;
  }

  /** The mask as an address, e.g. 255.255.255.0 for /24. */
  get netmask(): Ipv4Address {
    return new Ipv4Address(ipv4Netmask(this.length));
  }
  /** The wildcard (inverse) mask, e.g. 0.0.0.255 for /24, as Cisco ACLs write it. */
  get wildcard(): Ipv4Address {
    return new Ipv4Address(~ipv4Netmask(this.length));
  }
  /** The network address: the address with its host bits cleared. */
  get network(): Ipv4Address {
    return new Ipv4Address(this.address.value & ipv4Netmask(this.length));
  }
  /** The directed broadcast address: host bits all ones. */
  get broadcast(): Ipv4Address {
    return new Ipv4Address(this.address.value | ~ipv4Netmask(this.length));
  }
  /** Total addresses in the prefix (2^(32-len)). */
  get size(): number {
    return 2 ** (32 - this.length);
  }
  /**
   * Usable host addresses: size - 2 (network and broadcast), except /31 point-to-point links
   * (RFC 3021: both addresses usable) and /32 (a single host).
   */
  get hostCount(): number {
    if (this.length >= 31) return this.size;
    return this.size - 2;
  }
  /** First usable host address. */
  get firstHost(): Ipv4Address {
    return this.length >= 31 ? this.network : new Ipv4Address(this.network.value + 1);
  }
  /** Last usable host address. */
  get lastHost(): Ipv4Address {
    return this.length >= 31 ? this.broadcast : new Ipv4Address(this.broadcast.value - 1);
  }
  /** The prefix with host bits cleared, e.g. 10.0.1.10/24 → 10.0.1.0/24. */
  get networkPrefix(): Ipv4Prefix {
    return new Ipv4Prefix(this.network, this.length);
  }

  contains(address: Ipv4Address): boolean {
    const mask = ipv4Netmask(this.length);
    return (address.value & mask) >>> 0 === (this.address.value & mask) >>> 0;
  }

  /** True when `other` lies wholly inside this prefix. */
  covers(other: Ipv4Prefix): boolean {
    return other.length >= this.length && this.contains(other.address);
  }

  /** Same address and length. */
  equals(other: Ipv4Prefix): boolean {
    return this.length === other.length && this.address.value === other.address.value;
  }

  /** Splits into subnets of `newLength` (e.g. a /24 into four /26), as a learner does by hand. */
  subnets(newLength: number): Ipv4Prefix[] {
    if (newLength < this.length || newLength > 32)
      throw new RangeError(`cannot split /${this.length} into /${newLength}`);
    const count = 2 ** (newLength - this.length);
    const step = 2 ** (32 - newLength);
    const base = this.network.value;
    const result: Ipv4Prefix[] = [];
    for (let i = 0; i < count; i++) result.push(new Ipv4Prefix(new Ipv4Address(base + i * step), newLength));
    return result;
  }

  toString(): string {
    return `${this.address}/${this.length}`;
  }

  toJSON(): string {
    return this.toString();
  }
}
