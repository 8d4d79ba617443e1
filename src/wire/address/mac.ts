/**
 * IEEE 802 MAC-48 addresses. The address is kept as one 48-bit integer (exact in a double), so it
 * compares with `===` on `.value` and works as a `Map` key without allocation.
 */
export class MacAddress {
  static readonly BROADCAST = new MacAddress(0xffff_ffff_ffff);
  static readonly ZERO = new MacAddress(0);

  /** @param value the 48-bit address as an integer, first octet most significant. */
  constructor(readonly value: number) {}

  /** Reads 6 octets at `offset`. */
  static fromBytes(bytes: Uint8Array, offset = 0): MacAddress {
    const high = (bytes[offset] << 8) | bytes[offset + 1];
    const low =
      ((bytes[offset + 2] << 24) |
        (bytes[offset + 3] << 16) |
        (bytes[offset + 4] << 8) |
        bytes[offset + 5]) >>>
      0;
    return new MacAddress(high * 0x1_0000_0000 + low);
  }

  /** Parses `aa:bb:cc:dd:ee:ff` (or with `-`); `undefined` when malformed. */
  static tryParse(text: string): MacAddress | undefined {
    const match =
      /^([0-9a-f]{2})([:-])([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})$/i.exec(
        text.trim(),
      );
    if (!match) return undefined;
    const octets = [match[1], match[3], match[4], match[5], match[6], match[7]].map((h) =>
      Number.parseInt(h, 16),
    );
    return MacAddress.fromBytes(Uint8Array.from(octets));
  }

  /** Parses like {@link tryParse} but throws a `TypeError` naming the bad text. */
  static parse(text: string): MacAddress {
    const mac = MacAddress.tryParse(text);
    if (!mac)
      throw new TypeError(
        `invalid MAC address "${text}" (expected six hex octets such as 02:00:00:00:00:01)`,
      );
    return mac;
  }

  /** A locally administered unicast address (02:xx:...) derived from a number, for emulated NICs. */
  static local(index: number): MacAddress {
    return new MacAddress(0x0200_0000_0000 + (index % 0x1_0000_0000));
  }

  /** Writes the 6 octets at `offset`. */
  writeTo(bytes: Uint8Array, offset = 0): void {
    const high = Math.floor(this.value / 0x1_0000_0000);
    const low = this.value >>> 0;
    bytes[offset] = high >>> 8;
    bytes[offset + 1] = high & 0xff;
    bytes[offset + 2] = low >>> 24;
    bytes[offset + 3] = (low >>> 16) & 0xff;
    bytes[offset + 4] = (low >>> 8) & 0xff;
    bytes[offset + 5] = low & 0xff;
  }

  toBytes(): Uint8Array {
    const bytes = new Uint8Array(6);
    this.writeTo(bytes);
    return bytes;
  }

  /** The I/G bit (least significant bit of the first octet): group (multicast or broadcast). */
  get isMulticast(): boolean {
    return Math.floor(this.value / 0x100_0000_0000) % 2 === 1;
  }

  get isBroadcast(): boolean {
    return this.value === 0xffff_ffff_ffff;
  }

  get isUnicast(): boolean {
    return !this.isMulticast;
  }

  /** The U/L bit: set for locally administered addresses. */
  get isLocallyAdministered(): boolean {
    return (Math.floor(this.value / 0x100_0000_0000) & 0x02) !== 0;
  }

  equals(other: MacAddress): boolean {
    return this.value === other.value;
  }

  /** Lower-case colon form, as Linux and Wireshark print it. */
  toString(): string {
    const bytes = this.toBytes();
    let text = "";
    for (let i = 0; i < 6; i++) text += (i ? ":" : "") + bytes[i].toString(16).padStart(2, "0");
    return text;
  }

  toJSON(): string {
    return this.toString();
  }
}
