/**
 * An Ethernet switch: a transparent learning bridge (IEEE 802.1D-2004 clause 7) with 802.1Q VLANs.
 *
 * For every frame that arrives on a port the switch
 * 1. classifies it into a VLAN (802.1Q-2018 §6.9 and §8.6.1, ingress rules): on an access port
 *    the port's VLAN; on a trunk the VID of its 802.1Q tag, or the native VLAN when it carries no
 *    tag (or only a priority tag, VID 0). Frames in a VLAN the port does not carry are dropped;
 * 2. learns the source address (802.1D §7.8): the station lives behind this port, in this VLAN;
 * 3. forwards it (802.1D §7.7): a known unicast destination goes out of the one port that leads
 *    to it (or nowhere, when that is the port it came from: "filtered"); broadcast, multicast and
 *    unknown unicast are flooded to every other port carrying the VLAN. Never back out of the
 *    ingress port, never into another VLAN;
 * 4. tags it for each egress port (§8.1.7, egress rules): untagged on access ports and on a
 *    trunk's native VLAN, 802.1Q-tagged on the other VLANs of a trunk.
 *
 * The frame buffer is forwarded as is when its tagging does not change (zero-copy, also when
 * flooding: every port gets the same buffer, which receivers must treat as read-only); adding,
 * removing or rewriting a tag builds a new buffer, once per frame however many ports need it.
 *
 * Bad input is counted, never thrown: runts, reserved VIDs and group source addresses are
 * dropped and counted per port. Ports follow their link's carrier; when one goes down, the
 * addresses learned on it are flushed so traffic toward them floods until relearned.
 */
import type { Scheduler } from "../sim/scheduler.js";
import type { Nanoseconds } from "../sim/time.js";
import type { Tracer } from "../trace/events.js";
import { ETHERNET_HEADER_LENGTH, EtherType, readMac48 } from "../wire/ethernet.js";
import { VLAN_ID_MAX, VLAN_TAG_LENGTH } from "../wire/vlan.js";
import type { LinkEndpoint } from "./endpoint.js";
import { DEFAULT_AGING_TIME, DEFAULT_MAC_TABLE_SIZE, MacTable } from "./mac-table.js";
import { type MacTableFilter, showInterfacesCounters, showMacAddressTable } from "./show-mac.js";

/** How a port treats VLANs: an access port belongs to one VLAN; a trunk carries several. */
export type PortMode =
  | { mode: "access"; vlan?: number }
  | { mode: "trunk"; allowed?: readonly number[]; native?: number };

/** Why a switch dropped a frame. */
export type SwitchDropReason =
  /** Shorter than an Ethernet header, a truncated tag, or the reserved VID 4095. */
  | "malformed"
  /** Group (multicast) or all-zero source address: not a station, cannot be learned. */
  | "invalid-source"
  /** Tagged with (or classified into) a VLAN the port does not carry. */
  | "vlan-not-allowed"
  /** Sent to an IEEE 802.1Q Table 8-1 reserved address (STP, LACP, LLDP...): never forwarded. */
  | "reserved-address"
  /** The egress link refused the frame (its queue was full or it went down). */
  | "tx-refused";

export interface SwitchPortCounters {
  rxFrames: number;
  rxBytes: number;
  rxUnicast: number;
  rxMulticast: number;
  rxBroadcast: number;
  txFrames: number;
  txBytes: number;
  txUnicast: number;
  txMulticast: number;
  txBroadcast: number;
  /** Frames sent out of this port because they were flooded. */
  flooded: number;
  /** Frames received whose destination is behind this same port (not forwarded, 802.1D §7.7.1). */
  filtered: number;
  drops: Record<SwitchDropReason, number>;
}

export interface SwitchOptions {
  /** How long a silent station's address is remembered (default 300 s, IEEE 802.1D). */
  agingTime?: Nanoseconds;
  /** Most addresses the table holds (default 8192); beyond that new ones are not learned. */
  macTableSize?: number;
}

/** 802.1Q Table 9-2: VIDs 1-4094 name VLANs; 0 means "priority tag only"; 4095 is reserved. */
const VID_RESERVED = 0xfff;
const TAG_LENGTH = VLAN_TAG_LENGTH;
const HEADER_LENGTH = ETHERNET_HEADER_LENGTH;
/** Where the 802.1Q tag sits: in place of the EtherType, after the two addresses. */
const TAG_OFFSET = 12;

export class SwitchPort {
  readonly counters: SwitchPortCounters = {
    rxFrames: 0,
    rxBytes: 0,
    rxUnicast: 0,
    rxMulticast: 0,
    rxBroadcast: 0,
    txFrames: 0,
    txBytes: 0,
    txUnicast: 0,
    txMulticast: 0,
    txBroadcast: 0,
    flooded: 0,
    filtered: 0,
    drops: {
      malformed: 0,
      "invalid-source": 0,
      "vlan-not-allowed": 0,
      "reserved-address": 0,
      "tx-refused": 0,
    },
  };
  /** "access" or "trunk". */
  mode: "access" | "trunk" = "access";
  /**
   * The VLAN of untagged (and priority-tagged) frames: the access VLAN, or the trunk's native
   * VLAN (802.1Q's PVID). Undefined on a trunk whose native VLAN is not allowed.
   */
  pvid: number | undefined = 1;
  /** The trunk's native VLAN, carried untagged. */
  native = 1;
  /** VLANs a trunk carries (undefined: all of 1-4094). */
  private allowed: Set<number> | undefined = undefined;

  /** @internal */
  constructor(
    readonly name: string,
    readonly endpoint: LinkEndpoint,
    mode: PortMode,
  ) {
    this.setMode(mode);
  }

  get isUp(): boolean {
    return this.endpoint.isUp;
  }

  /** Whether frames of `vlan` may enter and leave through this port. */
  carries(vlan: number): boolean {
    if (this.mode === "access") return vlan === this.pvid;
    return this.allowed === undefined ? true : this.allowed.has(vlan);
  }

  /** Whether frames of `vlan` leave this port with an 802.1Q tag. */
  tags(vlan: number): boolean {
    return this.mode === "trunk" && vlan !== this.native;
  }

  /** The VLANs a trunk allows (undefined: all), for display. */
  get allowedVlans(): readonly number[] | undefined {
    return this.allowed === undefined ? undefined : [...this.allowed].sort((x, y) => x - y);
  }

  /** @internal */
  setMode(mode: PortMode): void {
    if (mode.mode === "access") {
      const vlan = checkVid(mode.vlan ?? 1, `access VLAN of port ${this.name}`);
      this.mode = "access";
      this.pvid = vlan;
      this.allowed = undefined;
      return;
    }
    this.mode = "trunk";
    this.native = checkVid(mode.native ?? 1, `native VLAN of port ${this.name}`);
    this.allowed =
      mode.allowed === undefined
        ? undefined
        : new Set(mode.allowed.map((vlan) => checkVid(vlan, `allowed VLAN of port ${this.name}`)));
    this.pvid = this.carries(this.native) ? this.native : undefined;
  }
}

/** Switch-wide learning counters. */
export interface SwitchCounters {
  learned: number;
  moved: number;
  /** New addresses not learned because the table was full. */
  tableFull: number;
  aged: number;
}

export class Switch {
  readonly macTable: MacTable<SwitchPort>;
  private readonly portList: SwitchPort[] = [];
  private learned = 0;
  private moved = 0;

  constructor(
    readonly scheduler: Scheduler,
    readonly name: string,
    readonly tracer?: Tracer,
    options: SwitchOptions = {},
  ) {
    this.macTable = new MacTable(
      options.macTableSize ?? DEFAULT_MAC_TABLE_SIZE,
      options.agingTime ?? DEFAULT_AGING_TIME,
    );
  }

  /** The ports, in the order they were added. */
  get ports(): readonly SwitchPort[] {
    return this.portList;
  }

  port(name: string): SwitchPort | undefined {
    return this.portList.find((port) => port.name === name);
  }

  get counters(): SwitchCounters {
    return {
      learned: this.learned,
      moved: this.moved,
      tableFull: this.macTable.refusedFull,
      aged: this.macTable.aged,
    };
  }

  /**
   * Plugs `endpoint` in as a new port (default: access port in VLAN 1). The switch takes over the
   * endpoint's `onReceive` and `onCarrierChange`.
   * @throws Error on a duplicate port name, RangeError on a VLAN outside 1-4094.
   */
  addPort(name: string, endpoint: LinkEndpoint, mode: PortMode = { mode: "access", vlan: 1 }): SwitchPort {
    if (this.port(name) !== undefined)
      throw new Error(`switch ${this.name} already has a port named ${name}`);
    const port = new SwitchPort(name, endpoint, mode);
    this.portList.push(port);
    endpoint.onReceive = (frame) => this.receive(port, frame);
    endpoint.onCarrierChange = (up) => {
      if (!up) this.macTable.flushPort(port);
    };
    return port;
  }

  /** Changes a port's VLAN membership; addresses learned on it are forgotten. */
  setPortMode(name: string, mode: PortMode): void {
    const port = this.port(name);
    if (port === undefined) throw new Error(`switch ${this.name} has no port named ${name}`);
    port.setMode(mode);
    this.macTable.flushPort(port);
  }

  /** Cisco's `show mac address-table` (optionally `vlan N`, `interface X`, `address M`). */
  showMacAddressTable(filter: MacTableFilter = {}): string {
    return showMacAddressTable(this, filter);
  }

  /** Cisco's `show interfaces counters`, plus our drop reasons with `{errors: true}`. */
  showInterfacesCounters(options: { errors?: boolean } = {}): string {
    return showInterfacesCounters(this, options);
  }

  /** A frame arrived on `port`: classify, learn, forward. */
  private receive(port: SwitchPort, frame: Uint8Array): void {
    const counters = port.counters;
    const length = frame.length;
    counters.rxFrames++;
    counters.rxBytes += length;
    if (length < HEADER_LENGTH) {
      this.drop(port, frame, "malformed");
      return;
    }
    const groupDestination = (frame[0] & 1) !== 0;
    if (!groupDestination) counters.rxUnicast++;
    else if (isBroadcast(frame)) counters.rxBroadcast++;
    else counters.rxMulticast++;
    this.traceFrame("frame-received", port, frame);

    // 802.1D §7.8: only individual addresses are learned; a group or zero source is bogus.
    if ((frame[6] & 1) !== 0 || isZeroSource(frame)) {
      this.drop(port, frame, "invalid-source");
      return;
    }

    // Ingress classification (802.1Q §6.9): which VLAN does this frame belong to?
    let vid = -1; // -1: untagged; 0: priority-tagged; else the tag's VID
    let tci = 0;
    if (((frame[TAG_OFFSET] << 8) | frame[TAG_OFFSET + 1]) === EtherType.VLAN) {
      if (length < HEADER_LENGTH + TAG_LENGTH) {
        this.drop(port, frame, "malformed");
        return;
      }
      tci = (frame[TAG_OFFSET + 2] << 8) | frame[TAG_OFFSET + 3];
      vid = tci & 0xfff;
      if (vid === VID_RESERVED) {
        this.drop(port, frame, "malformed");
        return;
      }
    }
    let vlan: number;
    if (vid <= 0) {
      // Untagged and priority-tagged frames belong to the port's VLAN (its PVID).
      if (port.pvid === undefined) {
        this.drop(port, frame, "vlan-not-allowed");
        return;
      }
      vlan = port.pvid;
    } else {
      // Access ports admit only untagged and priority-tagged frames (802.1Q §6.9.1).
      if (port.mode === "access" || !port.carries(vid)) {
        this.drop(port, frame, "vlan-not-allowed");
        return;
      }
      vlan = vid;
    }

    const now = this.scheduler.now;
    const learning = this.macTable.learn(vlan, readMac48(frame, 6), port, now);
    if (learning === "learned") this.learned++;
    else if (learning === "moved") this.moved++;

    if (groupDestination) {
      if (isReservedGroup(frame)) {
        this.drop(port, frame, "reserved-address");
        return;
      }
      this.flood(port, frame, vlan, vid, tci);
      return;
    }
    const entry = this.macTable.lookup(vlan, readMac48(frame, 0), now);
    if (entry === undefined) {
      this.flood(port, frame, vlan, vid, tci);
      return;
    }
    const out = entry.port;
    if (out === port) {
      counters.filtered++;
      this.traceDrop(port, frame, "filtered");
      return;
    }
    // Entries are flushed when their port goes down or changes VLANs; should one still be stale,
    // the destination is as good as unknown.
    if (!out.isUp || !out.carries(vlan)) {
      this.flood(port, frame, vlan, vid, tci);
      return;
    }
    const egress = out.tags(vlan) ? tagged(frame, vid, tci, vlan) : untagged(frame, vid);
    this.send(out, egress, false);
  }

  /** Sends a frame to every other up port carrying its VLAN, tagging each copy as the port needs. */
  private flood(ingress: SwitchPort, frame: Uint8Array, vlan: number, vid: number, tci: number): void {
    let asTagged: Uint8Array | undefined;
    let asUntagged: Uint8Array | undefined;
    const ports = this.portList;
    for (let i = 0; i < ports.length; i++) {
      const out = ports[i];
      if (out === ingress || !out.carries(vlan) || !out.isUp) continue;
      let egress: Uint8Array;
      if (out.tags(vlan)) {
        if (asTagged === undefined) asTagged = tagged(frame, vid, tci, vlan);
        egress = asTagged;
      } else {
        if (asUntagged === undefined) asUntagged = untagged(frame, vid);
        egress = asUntagged;
      }
      this.send(out, egress, true);
    }
  }

  private send(out: SwitchPort, frame: Uint8Array, flooded: boolean): void {
    const counters = out.counters;
    if (!out.endpoint.transmit(frame)) {
      counters.drops["tx-refused"]++;
      this.traceDrop(out, frame, "tx-refused");
      return;
    }
    counters.txFrames++;
    counters.txBytes += frame.length;
    if ((frame[0] & 1) === 0) counters.txUnicast++;
    else if (isBroadcast(frame)) counters.txBroadcast++;
    else counters.txMulticast++;
    if (flooded) counters.flooded++;
    this.traceFrame("frame-sent", out, frame);
  }

  private drop(port: SwitchPort, frame: Uint8Array, reason: SwitchDropReason): void {
    port.counters.drops[reason]++;
    this.traceDrop(port, frame, reason);
  }

  private traceDrop(port: SwitchPort, frame: Uint8Array, reason: string): void {
    const tracer = this.tracer;
    if (tracer?.enabled) {
      tracer.emit({
        type: "drop",
        time: this.scheduler.now,
        node: this.name,
        layer: "switch",
        reason,
        iface: port.name,
        frame,
      });
    }
  }

  private traceFrame(type: "frame-sent" | "frame-received", port: SwitchPort, frame: Uint8Array): void {
    const tracer = this.tracer;
    if (tracer?.enabled) {
      tracer.emit({ type, time: this.scheduler.now, node: this.name, iface: port.name, frame });
    }
  }
}

/** The frame as it leaves a tagging port: with an 802.1Q tag carrying `vlan`. */
function tagged(frame: Uint8Array, vid: number, tci: number, vlan: number): Uint8Array {
  if (vid === vlan) return frame; // already tagged right: zero-copy
  if (vid === 0) {
    // Priority-tagged: keep PCP and DEI, fill in the VID.
    const copy = frame.slice();
    copy[TAG_OFFSET + 2] = ((tci >>> 8) & 0xf0) | (vlan >>> 8);
    copy[TAG_OFFSET + 3] = vlan & 0xff;
    return copy;
  }
  // Untagged: insert TPID 0x8100 and a TCI (priority 0) after the addresses.
  const out = new Uint8Array(frame.length + TAG_LENGTH);
  out.set(frame.subarray(0, TAG_OFFSET), 0);
  out[TAG_OFFSET] = EtherType.VLAN >>> 8;
  out[TAG_OFFSET + 1] = EtherType.VLAN & 0xff;
  out[TAG_OFFSET + 2] = vlan >>> 8;
  out[TAG_OFFSET + 3] = vlan & 0xff;
  out.set(frame.subarray(TAG_OFFSET), TAG_OFFSET + TAG_LENGTH);
  return out;
}

/** The frame as it leaves an untagged port: without its tag, if it had one. */
function untagged(frame: Uint8Array, vid: number): Uint8Array {
  if (vid < 0) return frame; // zero-copy
  const out = new Uint8Array(frame.length - TAG_LENGTH);
  out.set(frame.subarray(0, TAG_OFFSET), 0);
  out.set(frame.subarray(TAG_OFFSET + TAG_LENGTH), TAG_OFFSET);
  return out;
}

function isBroadcast(frame: Uint8Array): boolean {
  return (frame[0] & frame[1] & frame[2] & frame[3] & frame[4] & frame[5]) === 0xff;
}

function isZeroSource(frame: Uint8Array): boolean {
  return (frame[6] | frame[7] | frame[8] | frame[9] | frame[10] | frame[11]) === 0;
}

/** 01-80-C2-00-00-00 to -0F: IEEE 802.1Q Table 8-1, filtered by every bridge. */
function isReservedGroup(frame: Uint8Array): boolean {
  return (
    frame[0] === 0x01 &&
    frame[1] === 0x80 &&
    frame[2] === 0xc2 &&
    frame[3] === 0 &&
    frame[4] === 0 &&
    (frame[5] & 0xf0) === 0
  );
}

function checkVid(vlan: number, what: string): number {
  if (!Number.isInteger(vlan) || vlan < 1 || vlan > VLAN_ID_MAX) {
    throw new RangeError(`${what} must be a VLAN number from 1 to ${VLAN_ID_MAX}, got ${vlan}`);
  }
  return vlan;
}
