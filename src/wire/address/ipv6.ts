/**
 * IPv6 addresses and prefixes (RFC 4291), printed in the RFC 5952 canonical text form
 * (lower case, leading zeros dropped, the longest run of two or more zero groups as `::`,
 * the first such run on a tie) and parsed from any RFC 4291 §2.2 form, incl. embedded IPv4.
 */
import { Ipv4Address } from "./ipv4.js";

export class Ipv6Address {
  readonly version = 6 as const;
  static readonly UNSPECIFIED = new Ipv6Address(new Uint8Array(16));
  static readonly LOOPBACK = Ipv6Address.fromGroups([0, 0, 0, 0, 0, 0, 0, 1]);

  /** The 16 octets, network order. Treat as read-only. */
  readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes.length === 16 ? bytes : new Uint8Array(16);
  }

  /** Copies 16 octets at `offset`. */
  static fromBytes(bytes: Uint8Array, offset = 0): Ipv6Address {
    return new Ipv6Address(bytes.slice(offset, offset + 16));
  }

  static fromGroups(groups: number[]): Ipv6Address {
    const bytes = new Uint8Array(16);
    for (let i = 0; i < 8; i++) {
      bytes[i * 2] = (groups[i] >>> 8) & 0xff;
      bytes[i * 2 + 1] = groups[i] & 0xff;
    }
    return new Ipv6Address(bytes);
  }

  static tryParse(text: string): Ipv6Address | undefined {
    text = text.trim();
    if (text.startsWith("[") && text.endsWith("]")) text = text.slice(1, -1);
    // RFC 4007 §11.2: `address%zone_id`; the zone only scopes the address, and must not be empty.
    const zone = text.indexOf("%");
    if (zone >= 0) {
      if (zone === text.length - 1) return undefined;
      text = text.slice(0, zone);
    }
    if (text.length === 0 || text.length > 45) return undefined;
    const halves = text.split("::");
    if (halves.length > 2) return undefined;
    const parseGroups = (part: string, allowIpv4Tail: boolean): number[] | undefined => {
      if (part === "") return [];
      const pieces = part.split(":");
      const groups: number[] = [];
      for (let i = 0; i < pieces.length; i++) {
        const piece = pieces[i];
        if (allowIpv4Tail && i === pieces.length - 1 && piece.includes(".")) {
          const v4 = Ipv4Address.tryParse(piece);
          if (!v4) return undefined;
          groups.push(v4.value >>> 16, v4.value & 0xffff);
        } else {
          if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return undefined;
          groups.push(Number.parseInt(piece, 16));
        }
      }
      return groups;
    };
    if (halves.length === 1) {
      const groups = parseGroups(halves[0], true);
      return groups?.length === 8 ? Ipv6Address.fromGroups(groups) : undefined;
    }
    const head = parseGroups(halves[0], false);
    const tail = parseGroups(halves[1], true);
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    const zeros = new Array<number>(8 - head.length - tail.length).fill(0);
    return Ipv6Address.fromGroups([...head, ...zeros, ...tail]);
  }

  static parse(text: string): Ipv6Address {
    const address = Ipv6Address.tryParse(text);
    if (!address) throw new TypeError(`invalid IPv6 address "${text}" (expected e.g. 2001:db8::1)`);
    return address;
  }

  /** The 8 16-bit groups. */
  get groups(): number[] {
    const g: number[] = [];
    for (let i = 0; i < 16; i += 2) g.push((this.bytes[i] << 8) | this.bytes[i + 1]);
    return g;
  }

  writeTo(bytes: Uint8Array, offset = 0): void {
    bytes.set(this.bytes, offset);
  }

  toBytes(): Uint8Array {
    return this.bytes.slice();
  }

  equals(other: Ipv6Address): boolean {
    const a = this.bytes;
    const b = other.bytes;
    for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  get isUnspecified(): boolean {
    return this.bytes.every((b) => b === 0);
  }
  get isLoopback(): boolean {
    return this.equals(Ipv6Address.LOOPBACK);
  }
  /** ff00::/8 */
  get isMulticast(): boolean {
    return this.bytes[0] === 0xff;
  }
  /** fe80::/10 */
  get isLinkLocal(): boolean {
    return this.bytes[0] === 0xfe && (this.bytes[1] & 0xc0) === 0x80;
  }
  /** ::ffff:0:0/96 (RFC 4291 §2.5.5.2) */
  get isIpv4Mapped(): boolean {
    for (let i = 0; i < 10; i++) if (this.bytes[i] !== 0) return false;
    return this.bytes[10] === 0xff && this.bytes[11] === 0xff;
  }

  /** The solicited-node multicast address ff02::1:ffXX:XXXX (RFC 4291 §2.7.1). */
  get solicitedNode(): Ipv6Address {
    const bytes = Ipv6Address.parse("ff02::1:ff00:0").toBytes();
    bytes[13] = this.bytes[13];
    bytes[14] = this.bytes[14];
    bytes[15] = this.bytes[15];
    return new Ipv6Address(bytes);
  }

  /** RFC 5952 canonical text. */
  toString(): string {
    const groups = this.groups;
    if (this.isIpv4Mapped) {
      return `::ffff:${Ipv4Address.fromBytes(this.bytes, 12).toString()}`;
    }
    // RFC 5952 §4.2.2/§4.2.3: compress the longest run (length ≥ 2) of zero groups, first on a tie.
    let bestStart = -1;
    let bestLength = 1;
    for (let i = 0; i < 8; ) {
      if (groups[i] !== 0) {
        i++;
        continue;
      }
      let j = i;
      while (j < 8 && groups[j] === 0) j++;
      if (j - i > bestLength) {
        bestStart = i;
        bestLength = j - i;
      }
      i = j;
    }
    const hex = groups.map((g) => g.toString(16));
    if (bestStart < 0) return hex.join(":");
    return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** An IPv6 address with a prefix length, e.g. `2001:db8:1::10/64`. */
export class Ipv6Prefix {
  constructor(
    readonly address: Ipv6Address,
    readonly length: number,
  ) {
    if (!Number.isInteger(length) || length < 0 || length > 128) {
      throw new RangeError(`IPv6 prefix length ${length} is outside 0..128`);
    }
  }

  static tryParse(text: string): Ipv6Prefix | undefined {
    const [addressText, lengthText, extra] = text.trim().split("/");
    if (extra !== undefined) return undefined;
    const address = Ipv6Address.tryParse(addressText);
    if (!address) return undefined;
    if (lengthText === undefined) return new Ipv6Prefix(address, 128);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(lengthText)) return undefined;
    const length = Number(lengthText);
    return length <= 128 ? new Ipv6Prefix(address, length) : undefined;
  }

  static parse(text: string): Ipv6Prefix {
    const prefix = Ipv6Prefix.tryParse(text);
    if (!prefix)
      throw new TypeError(`invalid IPv6 prefix "${text}" (expected address/length, e.g. 2001:db8::/32)`);
    return prefix;
  }

  /** The prefix's own address: host bits cleared. */
  get network(): Ipv6Address {
    const bytes = this.address.toBytes();
    for (let bit = this.length; bit < 128; bit++) bytes[bit >>> 3] &= ~(0x80 >>> (bit & 7));
    return new Ipv6Address(bytes);
  }

  get networkPrefix(): Ipv6Prefix {
    return new Ipv6Prefix(this.network, this.length);
  }

  contains(address: Ipv6Address): boolean {
    const a = this.address.bytes;
    const b = address.bytes;
    const whole = this.length >>> 3;
    for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
    const rest = this.length & 7;
    if (rest === 0) return true;
    const mask = (0xff << (8 - rest)) & 0xff;
    return (a[whole] & mask) === (b[whole] & mask);
  }

  covers(other: Ipv6Prefix): boolean {
    return other.length >= this.length && this.contains(other.address);
  }

  equals(other: Ipv6Prefix): boolean {
    return this.length === other.length && this.address.equals(other.address);
  }

  toString(): string {
    return `${this.address}/${this.length}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** Either address family, for code that handles both. */
export type IpAddress = Ipv4Address | Ipv6Address;
