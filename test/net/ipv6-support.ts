/**
 * Crafted IPv6 packets for the IPv6 tests: a victim host on a link the test drives by hand, and
 * builders for headers, extension headers, UDP and ICMPv6 with correct checksums.
 */
import { Network } from "../../src/devices/network.js";
import { Link } from "../../src/link/link.js";
import { SECOND } from "../../src/sim/time.js";
import { Ipv6Address } from "../../src/wire/address/ipv6.js";
import { MacAddress } from "../../src/wire/address/mac.js";
import { internetChecksum, pseudoHeaderSum } from "../../src/wire/checksum.js";
import { icmpv6Checksum, parseIcmpv6 } from "../../src/wire/icmpv6.js";
import { isParseError } from "../../src/wire/parse-error.js";

export const ATTACKER = Ipv6Address.parse("2001:db8::66");
export const VICTIM = Ipv6Address.parse("2001:db8::2");
export const ATTACKER_MAC = MacAddress.parse("02:ba:d0:00:00:01");

/** An IPv6 header followed by `payload` (whose first header `nextHeader` names). */
export function ipv6Packet(
  payload: Uint8Array,
  fields: { nextHeader: number; src?: Ipv6Address; dst?: Ipv6Address; hopLimit?: number },
): Uint8Array {
  const bytes = new Uint8Array(40 + payload.length);
  bytes[0] = 0x60;
  bytes[4] = payload.length >> 8;
  bytes[5] = payload.length & 0xff;
  bytes[6] = fields.nextHeader;
  bytes[7] = fields.hopLimit ?? 64;
  bytes.set((fields.src ?? ATTACKER).bytes, 8);
  bytes.set((fields.dst ?? VICTIM).bytes, 24);
  bytes.set(payload, 40);
  return bytes;
}

/** A UDP datagram with its IPv6 checksum (or `checksum` as given). */
export function udp6(
  data: Uint8Array,
  ports: { src?: number; dst?: number } = {},
  addresses: { src?: Ipv6Address; dst?: Ipv6Address } = {},
  checksum?: number,
): Uint8Array {
  const bytes = new Uint8Array(8 + data.length);
  const src = ports.src ?? 12345;
  const dst = ports.dst ?? 7;
  bytes[0] = src >> 8;
  bytes[1] = src & 0xff;
  bytes[2] = dst >> 8;
  bytes[3] = dst & 0xff;
  bytes[4] = bytes.length >> 8;
  bytes[5] = bytes.length & 0xff;
  bytes.set(data, 8);
  let sum =
    checksum ??
    internetChecksum(
      bytes,
      0,
      bytes.length,
      pseudoHeaderSum({ src: addresses.src ?? ATTACKER, dst: addresses.dst ?? VICTIM }, 17, bytes.length),
    );
  if (checksum === undefined && sum === 0) sum = 0xffff;
  bytes[6] = sum >> 8;
  bytes[7] = sum & 0xff;
  return bytes;
}

/** An extension header: `nextHeader`, then `body` (its length makes the header a multiple of 8). */
export function extension(nextHeader: number, body: number[]): Uint8Array {
  const length = 2 + body.length;
  if (length % 8 !== 0) throw new RangeError(`extension header of ${length} octets`);
  return Uint8Array.of(nextHeader, length / 8 - 1, ...body);
}

/** A Fragment header. */
export function fragmentHeader(nextHeader: number, offset: number, more: boolean, id: number): Uint8Array {
  const word = offset | (more ? 1 : 0);
  return Uint8Array.of(
    nextHeader,
    0,
    word >> 8,
    word & 0xff,
    id >>> 24,
    (id >> 16) & 0xff,
    (id >> 8) & 0xff,
    id & 0xff,
  );
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** An ICMPv6 message of `type`/`code` with `rest` after the checksum, checksummed for src → dst. */
export function icmp6(
  type: number,
  code: number,
  rest: number[] | Uint8Array,
  src = ATTACKER,
  dst = VICTIM,
): Uint8Array {
  const bytes = new Uint8Array(4 + rest.length);
  bytes[0] = type;
  bytes[1] = code;
  bytes.set(rest, 4);
  const sum = icmpv6Checksum(bytes, { src, dst });
  bytes[2] = sum >> 8;
  bytes[3] = sum & 0xff;
  return bytes;
}

/** The ICMPv6 messages in frames the victim sent (type, code, 32-bit word), ignoring NDP and MLD. */
export function icmpErrors(
  frames: Uint8Array[],
): { type: number; code: number; word: number; dst: string }[] {
  const out: { type: number; code: number; word: number; dst: string }[] = [];
  for (const frame of frames) {
    if (frame[12] !== 0x86 || frame[13] !== 0xdd) continue;
    const ip = frame.subarray(14);
    if (ip[6] !== 58) continue;
    const message = ip.subarray(40);
    if (message[0] >= 128) continue;
    const repr = parseIcmpv6(message);
    if (isParseError(repr)) continue;
    out.push({
      type: message[0],
      code: message[1],
      word: ((message[4] << 24) | (message[5] << 16) | (message[6] << 8) | message[7]) >>> 0,
      dst: Ipv6Address.fromBytes(ip, 24).toString(),
    });
  }
  return out;
}

/**
 * A victim host h2 (2001:db8::2, no DAD delay) on a link whose other end the test drives: it
 * transmits crafted packets and records what h2 sends back. A UDP socket listens on port 7.
 */
export function victim(options: { forwarding?: boolean } = {}) {
  const net = new Network({ seed: 3 });
  const h2 = options.forwarding ? net.addRouter("h2") : net.addHost("h2");
  const link = new Link(net.scheduler, { name: "attack" }, net.tracer);
  h2.attach("eth0", link.a);
  h2.addAddress("eth0", `${VICTIM}/64`, { nodad: true });
  const state = h2.ipv6.interfaceState("eth0")!;
  h2.ipv6.neighbors(state).addStatic(ATTACKER, ATTACKER_MAC.value);
  const received: Uint8Array[] = [];
  link.b.onReceive = (frame) => received.push(frame);
  const victimMac = h2.interface("eth0").mac.toBytes();
  const send = (packet: Uint8Array, dstMac: Uint8Array = victimMac) => {
    const frame = new Uint8Array(14 + packet.length);
    frame.set(dstMac, 0);
    frame.set(ATTACKER_MAC.toBytes(), 6);
    frame[12] = 0x86;
    frame[13] = 0xdd;
    frame.set(packet, 14);
    link.b.transmit(frame);
  };
  const server = h2.udp.createSocket();
  server.bind(7);
  const delivered: Uint8Array[] = [];
  server.onMessage = (m) => delivered.push(m.data);
  // Let the link-local address pass DAD, then forget what was sent meanwhile.
  net.runFor(3 * SECOND);
  received.length = 0;
  return { net, h2, send, received, delivered, link, state };
}
