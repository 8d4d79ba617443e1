/**
 * A point-to-point link: a cable (or a radio hop, or a WAN circuit) between two endpoints, with
 * what makes real links interesting — finite rate, distance, queues and imperfections.
 *
 * Each direction is independent and works like a NIC's transmitter feeding a wire:
 *
 * ```
 * transmit() ──► [drop-tail queue] ──► serialization ──► propagation ──► impairments ──► onReceive
 *                 limit: frames/bytes   frame bits / rate  delay ± jitter   loss, duplicate,
 *                 (queue-full drops)                       (reorder skips   corrupt
 *                                                           the delay)
 * ```
 *
 * Semantics, stated once so tests and users can rely on them:
 * - **Serialization** takes `(frame.length + overhead) × 8 / rate` seconds. The frame is what the
 *   sender hands to `transmit` (Ethernet header to payload, no preamble/FCS, no padding), and
 *   `overhead` defaults to 0, as with netem's `rate`; set it to {@link ETHERNET_PHY_OVERHEAD} to
 *   charge the 24 bytes of preamble, SFD, FCS and inter-frame gap a real PHY spends. A 1500-byte
 *   frame at 10 Mbit/s therefore takes exactly 1.2 ms by default. `rate` 0 means instantaneous.
 * - **Queue**: a frame that finds the transmitter busy waits in a FIFO limited in frames and/or
 *   bytes (drop-tail: a frame that would exceed a limit is refused and counted `queue-full`).
 *   The frame being serialized is on the wire, not in the queue. Rate changes apply to frames
 *   still queued.
 * - **Propagation**: the last bit arrives `delay` after it left; with `jitter`, each frame's delay
 *   is drawn uniformly from `delay ± jitter` (netem's default table-less distribution) but a frame
 *   never arrives before the one sent ahead of it: jitter alone does not reorder, as with netem
 *   over a rate-limited or FIFO child qdisc. A frame never arrives before it was sent.
 * - **Reordering** (netem's `reorder P gap G`): every G-th frame (G = 1: any frame) is, with
 *   probability P, sent "immediately" — it skips the propagation delay and jitter and so overtakes
 *   frames still in flight. Without a delay nothing can be overtaken. `reordered` counts frames
 *   that actually overtook another.
 * - **Loss, duplication, corruption** are decided when a frame arrives (the wire lost or damaged
 *   it in transit, after it used its share of the rate). A duplicate is a fresh copy delivered
 *   right after the original. Corruption flips one random bit of a *copy*: the sender's buffer is
 *   never touched, and checksums above must catch it.
 * - **MTU**: a frame whose Ethernet payload (after up to two 802.1Q/802.1ad tags, which ride in
 *   the frame's envelope) exceeds the MTU is refused and counted `mtu-exceeded`; fragmenting is
 *   the network layer's job.
 * - **Down**: queued and in-flight frames are dropped and counted `down`, both ends hear about
 *   the carrier, and `transmit` refuses frames until the link is up again.
 * - **Randomness** comes only from `scheduler.random.fork("link:" + name)`, drawn only by
 *   impairments that are switched on, so the same seed gives the same deliveries, bytes and times.
 *
 * Cost: an unimpaired frame takes one scheduler event (its arrival) and allocates nothing else:
 * frames in flight wait in a ring with one timer per direction for the head of the line. A frame
 * that had to queue costs one more event (the transmitter freeing up). Copies are made only for
 * duplicates and corrupted frames.
 */
import type { SeededRandom } from "../sim/random.js";
import type { Scheduler, Timer } from "../sim/scheduler.js";
import type { Nanoseconds } from "../sim/time.js";
import type { TraceBase, Tracer } from "../trace/events.js";
import { ETHERNET_HEADER_LENGTH } from "../wire/ethernet.js";
import { isVlanTpid, VLAN_TAG_LENGTH } from "../wire/vlan.js";
import type { FrameHandler, LinkEndpoint } from "./endpoint.js";
import { GilbertElliott } from "./gilbert-elliott.js";
import {
  checkCount,
  DEFAULT_MTU,
  DEFAULT_QUEUE_LIMIT,
  type LinkImpairments,
  type LossModel,
  parseDuration,
  parseLoss,
  parsePercent,
  parseRate,
} from "./impairments.js";
import { FrameQueue } from "./queue.js";

/** The two directions of a link, named by the endpoint that transmits. */
export type LinkDirectionName = "a-to-b" | "b-to-a";

/** Why a link dropped a frame. */
export type LinkDropReason = "queue-full" | "loss" | "down" | "mtu-exceeded";

/** A frame arrived at the far end of a link (after impairments). */
export interface LinkDeliveryEvent extends TraceBase {
  link: string;
  /** Transmitting endpoint's name. */
  from: string;
  /** Receiving endpoint's name. */
  to: string;
  frame: Uint8Array;
  /** This is the extra copy made by duplication. */
  duplicate: boolean;
  /** A bit of this copy was flipped. */
  corrupted: boolean;
}

declare module "../trace/events.js" {
  interface TraceEventMap {
    "link-delivered": LinkDeliveryEvent;
  }
  interface QueueEvent {
    /** The transmitting endpoint whose queue this is (links have one queue per direction). */
    iface?: string;
  }
}

/** Counters of one direction of a link. */
export interface LinkDirectionCounters {
  /** Frames and bytes the link accepted from the transmitting end. */
  framesSent: number;
  bytesSent: number;
  /** Frames and bytes handed to the receiving end (duplicates included). */
  framesDelivered: number;
  bytesDelivered: number;
  drops: Record<LinkDropReason, number>;
  duplicated: number;
  corrupted: number;
  reordered: number;
  /** Most frames / bytes ever waiting in the transmit queue at once. */
  queueHighWater: number;
  queueHighWaterBytes: number;
  /** Frames / bytes waiting in the transmit queue now. */
  queueLength: number;
  queueBytes: number;
}

/** The settings of one direction, with every value parsed to base units. */
export interface LinkDirectionSettings {
  /** bits per second; 0 = instantaneous. */
  rate: number;
  overhead: number;
  delay: Nanoseconds;
  jitter: Nanoseconds;
  loss: LossModel;
  duplicate: number;
  reorder: number;
  reorderGap: number;
  corrupt: number;
  queueLimit: number;
  /** `Infinity` when there is no byte limit. */
  queueLimitBytes: number;
  mtu: number;
}

export interface LinkOptions extends LinkImpairments {
  /** The link's name (used in traces and to seed its random stream). */
  name: string;
  /** Endpoint names (default `NAME:a` and `NAME:b`). */
  a?: string;
  b?: string;
  /** Extra settings for one direction only, applied over the shared ones. */
  aToB?: LinkImpairments;
  bToA?: LinkImpairments;
  /** Whether the link starts up (default true). */
  up?: boolean;
}

/** One end of a link: what a NIC, a router port or a switch port plugs into. */
export class LinkEnd implements LinkEndpoint {
  onReceive: FrameHandler | undefined = undefined;
  onCarrierChange: ((up: boolean) => void) | undefined = undefined;

  /** @internal */
  constructor(
    readonly name: string,
    readonly link: Link,
    /** @internal the direction this end transmits into. */
    readonly outgoing: LinkDirection,
  ) {}

  transmit(frame: Uint8Array): boolean {
    return this.outgoing.transmit(frame);
  }

  /** The MTU of the direction this end transmits into. */
  get mtu(): number {
    return this.outgoing.mtu;
  }

  get isUp(): boolean {
    return this.link.isUp;
  }

  /** The other end. */
  get peer(): LinkEnd {
    return this === this.link.a ? this.link.b : this.link.a;
  }

  /** Counters of the direction this end transmits into. */
  get counters(): LinkDirectionCounters {
    return this.outgoing.counters();
  }
}

export class Link {
  /** Endpoint A (transmits a-to-b) and endpoint B (transmits b-to-a). */
  readonly a: LinkEnd;
  readonly b: LinkEnd;
  readonly name: string;
  /** @internal bumped when the link goes down: a duplicate due after the original is then lost. */
  epoch = 0;
  private readonly aToB: LinkDirection;
  private readonly bToA: LinkDirection;
  private up: boolean;
  private randomStream: SeededRandom | undefined;

  constructor(
    readonly scheduler: Scheduler,
    options: LinkOptions,
    readonly tracer?: Tracer,
  ) {
    this.name = options.name;
    this.up = options.up ?? true;
    this.aToB = new LinkDirection(this, "a-to-b");
    this.bToA = new LinkDirection(this, "b-to-a");
    this.a = new LinkEnd(options.a ?? `${options.name}:a`, this, this.aToB);
    this.b = new LinkEnd(options.b ?? `${options.name}:b`, this, this.bToA);
    this.aToB.attach(this.a, this.b);
    this.bToA.attach(this.b, this.a);
    const shared = normalize(options);
    this.aToB.apply({ ...shared, ...normalize(options.aToB ?? {}) });
    this.bToA.apply({ ...shared, ...normalize(options.bToA ?? {}) });
  }

  /** The link's own random stream, created on first use (unimpaired links never need one). */
  get random(): SeededRandom {
    if (this.randomStream === undefined) this.randomStream = this.scheduler.random.fork(`link:${this.name}`);
    return this.randomStream;
  }

  get isUp(): boolean {
    return this.up;
  }

  /**
   * Brings the link up or down (a cable plugged or pulled). Going down drops every queued and
   * in-flight frame (counted `down`); both ends are told through `onCarrierChange`.
   */
  setUp(up: boolean): void {
    if (up === this.up) return;
    this.up = up;
    if (!up) {
      this.epoch++;
      this.aToB.flush();
      this.bToA.flush();
    }
    this.a.onCarrierChange?.(up);
    this.b.onCarrierChange?.(up);
  }

  /**
   * Changes impairments while running. Omitted fields keep their values. Values are all checked
   * before any is applied, so a bad value (a {@link UnitError}) changes nothing.
   * New rate, delay, jitter and reordering apply to frames that start serializing afterwards;
   * loss, duplication and corruption to frames arriving afterwards.
   */
  configure(changes: LinkImpairments, direction: LinkDirectionName | "both" = "both"): void {
    const settings = normalize(changes);
    if (direction !== "b-to-a") this.aToB.apply(settings);
    if (direction !== "a-to-b") this.bToA.apply(settings);
  }

  /** The current settings of one direction. */
  settings(direction: LinkDirectionName): LinkDirectionSettings {
    return this.direction(direction).settings();
  }

  /** Counters of one direction. */
  counters(direction: LinkDirectionName): LinkDirectionCounters {
    return this.direction(direction).counters();
  }

  private direction(name: LinkDirectionName): LinkDirection {
    return name === "a-to-b" ? this.aToB : this.bToA;
  }
}

/** One direction of a link: a transmitter, its queue and the wire. @internal */
export class LinkDirection {
  // Settings, flattened to plain numbers for the per-frame path.
  rate = 0;
  /** Serialization time of one byte in ns (0 when the rate is unlimited). */
  private nsPerByte = 0;
  private overhead = 0;
  private delay = 0;
  private jitter = 0;
  private lossModel: LossModel = { model: "none" };
  private lossProbability = 0;
  private gilbertElliott: GilbertElliott | undefined = undefined;
  private duplicate = 0;
  private reorder = 0;
  private reorderGap = 1;
  /** Frames since the last reordered one (netem's `counter`, for `gap`). */
  private sinceReorder = 0;
  private corrupt = 0;
  private queueLimit = DEFAULT_QUEUE_LIMIT;
  private queueLimitBytes = Number.POSITIVE_INFINITY;
  mtu = DEFAULT_MTU;
  /** Whether arriving frames need the loss/duplication/corruption path at all. */
  private impairedArrival = false;

  // Transmitter state.
  /** When the transmitter finishes the frame it is serializing (≤ now when idle). */
  private busyUntil = 0;
  private queue: FrameQueue | undefined = undefined;
  private transmitterTimer: Timer | undefined = undefined;

  // The wire: in-order frames in flight, oldest first, and the timer of the oldest.
  private inFlight: FrameQueue | undefined = undefined;
  private arrivalTimer: Timer | undefined = undefined;
  private lastArrival = 0;
  /** Reordered frames in flight, overtaking the in-order line, and the timer of the oldest. */
  private ahead: FrameQueue | undefined = undefined;
  private aheadTimer: Timer | undefined = undefined;

  // Counters.
  private framesSent = 0;
  private bytesSent = 0;
  private framesDelivered = 0;
  private bytesDelivered = 0;
  private dropQueueFull = 0;
  private dropLoss = 0;
  private dropDown = 0;
  private dropMtu = 0;
  private duplicated = 0;
  private corrupted = 0;
  private reordered = 0;
  private queueHighWater = 0;
  private queueHighWaterBytes = 0;

  private from!: LinkEnd;
  private to!: LinkEnd;
  private readonly scheduler: Scheduler;
  private readonly onTransmitterFree = (): void => this.transmitterFree();
  private readonly onArrival = (): void => this.arrivalDue();
  private readonly onAheadArrival = (): void => this.aheadArrivalDue();

  constructor(
    private readonly link: Link,
    readonly name: LinkDirectionName,
  ) {
    this.scheduler = link.scheduler;
  }

  attach(from: LinkEnd, to: LinkEnd): void {
    this.from = from;
    this.to = to;
  }

  transmit(frame: Uint8Array): boolean {
    if (!this.link.isUp) return this.refuse(frame, "down");
    if (ethernetPayloadLength(frame) > this.mtu) return this.refuse(frame, "mtu-exceeded");
    const now = this.scheduler.now;
    const queue = this.queue;
    if (this.busyUntil <= now && (queue === undefined || queue.length === 0)) {
      this.framesSent++;
      this.bytesSent += frame.length;
      this.serialize(frame, now);
      return true;
    }
    // The transmitter is busy: wait in the queue, if there is room (drop-tail).
    if (queue === undefined) this.queue = new FrameQueue();
    const waiting = this.queue!;
    if (waiting.length >= this.queueLimit || waiting.bytes + frame.length > this.queueLimitBytes) {
      return this.refuse(frame, "queue-full");
    }
    waiting.push(frame);
    this.framesSent++;
    this.bytesSent += frame.length;
    if (waiting.length > this.queueHighWater) this.queueHighWater = waiting.length;
    if (waiting.bytes > this.queueHighWaterBytes) this.queueHighWaterBytes = waiting.bytes;
    const tracer = this.link.tracer;
    if (tracer?.enabled) {
      tracer.emit({
        type: "queued",
        time: now,
        link: this.link.name,
        iface: this.from.name,
        depth: waiting.length,
        bytes: waiting.bytes,
      });
    }
    if (this.transmitterTimer === undefined) {
      this.transmitterTimer = this.scheduler.at(this.busyUntil, this.onTransmitterFree);
    }
    return true;
  }

  /** The transmitter finished a frame: start the next ones from the queue. */
  private transmitterFree(): void {
    this.transmitterTimer = undefined;
    const queue = this.queue!;
    const now = this.scheduler.now;
    while (queue.length > 0 && this.busyUntil <= now) this.serialize(queue.shift()!, now);
    if (queue.length > 0) this.transmitterTimer = this.scheduler.at(this.busyUntil, this.onTransmitterFree);
  }

  /** Puts a frame on the wire at `now` and schedules its arrival. */
  private serialize(frame: Uint8Array, now: Nanoseconds): void {
    const finish =
      this.nsPerByte > 0 ? now + Math.round((frame.length + this.overhead) * this.nsPerByte) : now;
    this.busyUntil = finish;
    let arrival = finish + this.delay;
    if (this.jitter > 0) {
      arrival += Math.round((2 * this.link.random.next() - 1) * this.jitter);
      if (arrival < finish) arrival = finish;
    }
    if (this.reorder > 0 && this.reorderThisFrame()) {
      this.sendAhead(frame, finish);
      return;
    }
    // In-order frames never overtake each other, whatever the jitter drew.
    if (arrival < this.lastArrival) arrival = this.lastArrival;
    this.lastArrival = arrival;
    if (this.inFlight === undefined) this.inFlight = new FrameQueue();
    const line = this.inFlight;
    line.push(frame, arrival);
    if (this.arrivalTimer === undefined) this.arrivalTimer = this.scheduler.at(arrival, this.onArrival);
  }

  /** netem's reorder decision (sch_netem.c `netem_enqueue`): gap first, then the coin. */
  private reorderThisFrame(): boolean {
    if (this.sinceReorder < this.reorderGap - 1 || !this.link.random.chance(this.reorder)) {
      this.sinceReorder++;
      return false;
    }
    this.sinceReorder = 0;
    return true;
  }

  /**
   * A reordered frame skips the propagation delay and overtakes what is in flight. Such frames
   * arrive when their serialization ends, which is in sending order, so they form a second line
   * with its own timer.
   */
  private sendAhead(frame: Uint8Array, arrival: Nanoseconds): void {
    if (arrival < this.lastArrival) this.reordered++;
    if (this.ahead === undefined) this.ahead = new FrameQueue();
    const line = this.ahead;
    line.push(frame, arrival);
    if (this.aheadTimer === undefined) this.aheadTimer = this.scheduler.at(arrival, this.onAheadArrival);
  }

  /** The head of the in-order line has arrived. */
  private arrivalDue(): void {
    const line = this.inFlight!;
    const frame = line.shift()!;
    // Re-arm before delivering: the receiver may transmit, or pull the cable, re-entrantly.
    this.arrivalTimer = line.length > 0 ? this.scheduler.at(line.peekTime(), this.onArrival) : undefined;
    this.arrive(frame);
  }

  /** The head of the reordered line has arrived. */
  private aheadArrivalDue(): void {
    const line = this.ahead!;
    const frame = line.shift()!;
    this.aheadTimer = line.length > 0 ? this.scheduler.at(line.peekTime(), this.onAheadArrival) : undefined;
    this.arrive(frame);
  }

  /** Applies the in-transit impairments and hands the frame (and any duplicate) to the far end. */
  private arrive(frame: Uint8Array): void {
    if (!this.impairedArrival) {
      this.deliver(frame, false, false);
      return;
    }
    const random = this.link.random;
    const lost =
      this.gilbertElliott !== undefined
        ? this.gilbertElliott.lose(random)
        : this.lossProbability > 0 && random.chance(this.lossProbability);
    if (lost) {
      this.dropLoss++;
      this.traceDrop(frame, "loss");
      return;
    }
    let delivered = frame;
    const corrupted = this.corrupt > 0 && random.chance(this.corrupt);
    if (corrupted) delivered = flipRandomBit(frame.slice(), random);
    const duplicated = this.duplicate > 0 && random.chance(this.duplicate);
    const epoch = this.link.epoch;
    if (corrupted) this.corrupted++;
    this.deliver(delivered, false, corrupted);
    if (duplicated && epoch === this.link.epoch) {
      this.duplicated++;
      const copy = frame.slice();
      const copyCorrupted = this.corrupt > 0 && random.chance(this.corrupt);
      if (copyCorrupted) {
        flipRandomBit(copy, random);
        this.corrupted++;
      }
      this.deliver(copy, true, copyCorrupted);
    }
  }

  private deliver(frame: Uint8Array, duplicate: boolean, corrupted: boolean): void {
    this.framesDelivered++;
    this.bytesDelivered += frame.length;
    const tracer = this.link.tracer;
    if (tracer?.enabled) {
      tracer.emit({
        type: "link-delivered",
        time: this.scheduler.now,
        link: this.link.name,
        from: this.from.name,
        to: this.to.name,
        frame,
        duplicate,
        corrupted,
      });
    }
    const receive = this.to.onReceive;
    if (receive !== undefined) receive(frame);
  }

  /** Counts and traces a frame the link would not take; returns false for `transmit`. */
  private refuse(frame: Uint8Array, reason: "down" | "mtu-exceeded" | "queue-full"): false {
    if (reason === "down") this.dropDown++;
    else if (reason === "mtu-exceeded") this.dropMtu++;
    else this.dropQueueFull++;
    this.traceDrop(frame, reason);
    return false;
  }

  private traceDrop(frame: Uint8Array, reason: LinkDropReason): void {
    const tracer = this.link.tracer;
    if (tracer?.enabled) {
      tracer.emit({
        type: "drop",
        time: this.scheduler.now,
        layer: "link",
        reason,
        link: this.link.name,
        iface: this.from.name,
        frame,
      });
    }
  }

  /** The link went down: everything queued or on the wire is lost. */
  flush(): void {
    this.scheduler.cancel(this.transmitterTimer);
    this.scheduler.cancel(this.arrivalTimer);
    this.scheduler.cancel(this.aheadTimer);
    this.transmitterTimer = undefined;
    this.arrivalTimer = undefined;
    this.aheadTimer = undefined;
    const lose = (frame: Uint8Array): void => {
      this.dropDown++;
      this.traceDrop(frame, "down");
    };
    this.queue?.drain(lose);
    this.inFlight?.drain(lose);
    this.ahead?.drain(lose);
    this.busyUntil = this.scheduler.now;
    this.lastArrival = 0;
  }

  /** Applies parsed settings (only the fields present). */
  apply(settings: Partial<LinkDirectionSettings>): void {
    if (settings.rate !== undefined) {
      this.rate = settings.rate;
      this.nsPerByte = settings.rate > 0 ? 8e9 / settings.rate : 0;
    }
    if (settings.overhead !== undefined) this.overhead = settings.overhead;
    if (settings.delay !== undefined) this.delay = settings.delay;
    if (settings.jitter !== undefined) this.jitter = settings.jitter;
    if (settings.loss !== undefined) {
      this.lossModel = settings.loss;
      this.lossProbability = settings.loss.model === "random" ? settings.loss.probability : 0;
      this.gilbertElliott =
        settings.loss.model === "gilbert-elliott" ? new GilbertElliott(settings.loss) : undefined;
    }
    if (settings.duplicate !== undefined) this.duplicate = settings.duplicate;
    if (settings.reorder !== undefined) this.reorder = settings.reorder;
    if (settings.reorderGap !== undefined) this.reorderGap = settings.reorderGap;
    if (settings.corrupt !== undefined) this.corrupt = settings.corrupt;
    if (settings.queueLimit !== undefined) this.queueLimit = settings.queueLimit;
    if (settings.queueLimitBytes !== undefined) this.queueLimitBytes = settings.queueLimitBytes;
    if (settings.mtu !== undefined) this.mtu = settings.mtu;
    this.impairedArrival = this.lossModel.model !== "none" || this.duplicate > 0 || this.corrupt > 0;
  }

  settings(): LinkDirectionSettings {
    return {
      rate: this.rate,
      overhead: this.overhead,
      delay: this.delay,
      jitter: this.jitter,
      loss: this.lossModel,
      duplicate: this.duplicate,
      reorder: this.reorder,
      reorderGap: this.reorderGap,
      corrupt: this.corrupt,
      queueLimit: this.queueLimit,
      queueLimitBytes: this.queueLimitBytes,
      mtu: this.mtu,
    };
  }

  counters(): LinkDirectionCounters {
    return {
      framesSent: this.framesSent,
      bytesSent: this.bytesSent,
      framesDelivered: this.framesDelivered,
      bytesDelivered: this.bytesDelivered,
      drops: {
        "queue-full": this.dropQueueFull,
        loss: this.dropLoss,
        down: this.dropDown,
        "mtu-exceeded": this.dropMtu,
      },
      duplicated: this.duplicated,
      corrupted: this.corrupted,
      reordered: this.reordered,
      queueHighWater: this.queueHighWater,
      queueHighWaterBytes: this.queueHighWaterBytes,
      queueLength: this.queue?.length ?? 0,
      queueBytes: this.queue?.bytes ?? 0,
    };
  }
}

/** Parses user-facing impairments into settings (only the fields given). Throws UnitError. */
function normalize(changes: LinkImpairments): Partial<LinkDirectionSettings> {
  const settings: Partial<LinkDirectionSettings> = {};
  if (changes.rate !== undefined) settings.rate = parseRate(changes.rate);
  if (changes.overhead !== undefined) settings.overhead = checkCount("overhead", changes.overhead, 0);
  if (changes.delay !== undefined) settings.delay = parseDuration(changes.delay);
  if (changes.jitter !== undefined) settings.jitter = parseDuration(changes.jitter);
  if (changes.loss !== undefined) settings.loss = parseLoss(changes.loss);
  if (changes.duplicate !== undefined) settings.duplicate = parsePercent(changes.duplicate);
  if (changes.reorder !== undefined) settings.reorder = parsePercent(changes.reorder);
  if (changes.reorderGap !== undefined)
    settings.reorderGap = checkCount("reorder gap", changes.reorderGap, 1);
  if (changes.corrupt !== undefined) settings.corrupt = parsePercent(changes.corrupt);
  if (changes.queueLimit !== undefined)
    settings.queueLimit = checkCount("queue limit", changes.queueLimit, 0);
  if (changes.queueLimitBytes !== undefined) {
    settings.queueLimitBytes = checkCount("queue byte limit", changes.queueLimitBytes, 0);
  }
  if (changes.mtu !== undefined) settings.mtu = checkCount("MTU", changes.mtu, 0);
  return settings;
}

/**
 * The Ethernet payload length the MTU applies to: the frame less its 14-byte header and any
 * 802.1Q / 802.1ad tags (at most two), which IEEE 802.3 carries in the frame's envelope
 * (maxEnvelopeFrameSize) rather than against the 1500-byte payload.
 */
export function ethernetPayloadLength(frame: Uint8Array): number {
  let header = ETHERNET_HEADER_LENGTH;
  for (let tags = 0; tags < 2 && frame.length >= header + VLAN_TAG_LENGTH; tags++) {
    if (!isVlanTpid((frame[header - 2] << 8) | frame[header - 1])) break;
    header += VLAN_TAG_LENGTH;
  }
  return frame.length > header ? frame.length - header : 0;
}

/** Flips one uniformly chosen bit of `frame` in place and returns it. */
function flipRandomBit(frame: Uint8Array, random: SeededRandom): Uint8Array {
  if (frame.length === 0) return frame;
  const bit = random.int(frame.length * 8);
  frame[bit >>> 3] ^= 0x80 >>> (bit & 7);
  return frame;
}
