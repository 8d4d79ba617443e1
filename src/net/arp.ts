/**
 * The Address Resolution Protocol at work (RFC 826, RFC 1122 §2.3.2, RFC 5227 announcements):
 * answering requests for our addresses, learning from what we hear, asking for neighbours.
 * The cache itself (states, timers, queue) is src/net/arp-cache.ts; the packet format is
 * src/wire/arp.ts.
 */
import { ARP_PACKET_LENGTH, ArpOperation, ArpView } from "../wire/arp.js";
import { ETHERNET_HEADER_LENGTH, EtherType } from "../wire/ethernet.js";
import { isParseError } from "../wire/parse-error.js";
import type { NetInterface } from "./interface.js";

const BROADCAST_MAC = 0xffff_ffff_ffff;

/**
 * Handles an ARP packet that arrived on `iface` (the message starts at `offset`), following
 * RFC 826's "Packet Reception" algorithm:
 *
 * 1. If the sender's IP is already in the cache, update its MAC ("merge").
 * 2. If we are the target: add the sender if it was not merged, and answer a request.
 *
 * We answer only for the addresses of the interface the request came in on (Linux's arp_ignore=1;
 * Linux's default also answers for addresses on other interfaces, which confuses learners). Probes
 * (sender IP 0.0.0.0, RFC 5227 §2.1.1) teach nothing. A packet claiming one of our own addresses
 * from another MAC is an address conflict (RFC 5227 §2.4): counted, never learned.
 */
export function arpInput(iface: NetInterface, frame: Uint8Array, offset: number): void {
  const view = ArpView.checked(frame.subarray(offset));
  if (isParseError(view)) {
    iface.counters.rxErrors++;
    iface.counters.drops.count("arp-malformed");
    iface.traceDrop("arp", "arp-malformed", frame);
    return;
  }
  const operation = view.operation;
  if (operation !== ArpOperation.Request && operation !== ArpOperation.Reply) {
    iface.counters.rxDropped++;
    iface.counters.drops.count("arp-unknown-operation");
    iface.traceDrop("arp", "arp-unknown-operation", frame);
    return;
  }
  const counters = iface.arpCounters;
  if (operation === ArpOperation.Request) counters.requestsReceived++;
  else counters.repliesReceived++;

  const senderIp = view.senderIpValue;
  const senderMac = view.senderMacValue;
  const targetIp = view.targetIpValue;
  // A group MAC cannot be a station's address (RFC 1812 §3.3.2: ignore such ARP replies).
  if (Math.floor(senderMac / 0x100_0000_0000) % 2 === 1) {
    iface.counters.drops.count("arp-bad-sender");
    iface.traceDrop("arp", "arp-bad-sender", frame);
    return;
  }
  if (iface.hasAddress(senderIp)) {
    if (senderMac !== iface.mac.value) {
      iface.counters.drops.count("arp-address-conflict");
      iface.traceDrop("arp", "arp-address-conflict", frame);
    }
    return;
  }
  const weAreTarget = iface.answersArpFor(targetIp);
  // Learn only neighbours on our subnets (a sender from elsewhere is misconfigured); the cache is
  // created only when there is something to add, so a host merely hearing broadcasts stays small.
  if (senderIp !== 0 && iface.isOnLink(senderIp)) {
    if (weAreTarget) iface.arp.update(senderIp, senderMac, true);
    else if (iface.hasArpCache) iface.arp.update(senderIp, senderMac, false);
  }
  if (weAreTarget && operation === ArpOperation.Request) {
    sendArp(iface, ArpOperation.Reply, targetIp, senderMac, senderIp, senderMac);
    counters.repliesSent++;
  }
}

/** Sends an ARP request for `target`: broadcast, or a unicast poll to `unicastMac`. */
export function sendArpRequest(iface: NetInterface, target: number, unicastMac: number | undefined): void {
  const source = iface.sourceFor(target);
  if (!source) return;
  sendArp(iface, ArpOperation.Request, source.address.value, 0, target, unicastMac ?? BROADCAST_MAC);
  iface.arpCounters.requestsSent++;
}

/**
 * Announces each of the interface's addresses with a gratuitous ARP request (sender IP = target
 * IP, RFC 5227 §3 "ARP Announcement"), so neighbours holding a stale entry update it.
 */
export function announce(iface: NetInterface): void {
  for (const prefix of iface.addresses) {
    const address = prefix.address.value;
    sendArp(iface, ArpOperation.Request, address, 0, address, BROADCAST_MAC);
    iface.arpCounters.gratuitousSent++;
  }
}

function sendArp(
  iface: NetInterface,
  operation: number,
  senderIp: number,
  targetMac: number,
  targetIp: number,
  dstMac: number,
): void {
  const frame = new Uint8Array(ETHERNET_HEADER_LENGTH + ARP_PACKET_LENGTH);
  const view = new ArpView(frame.subarray(ETHERNET_HEADER_LENGTH));
  view.hardwareType = 1;
  view.protocolType = EtherType.IPv4;
  view.hardwareLength = 6;
  view.protocolLength = 4;
  view.operation = operation;
  view.senderMacValue = iface.mac.value;
  view.senderIpValue = senderIp;
  view.targetMacValue = targetMac;
  view.targetIpValue = targetIp;
  iface.sendPayload(frame, ETHERNET_HEADER_LENGTH, ARP_PACKET_LENGTH, dstMac, EtherType.ARP);
}
