/**
 * A TAP interface as a {@link LinkEndpoint}: whatever is plugged into it (an emulated host's NIC,
 * the far end of an emulated link, a switch port) talks to the Linux kernel as if through a cable.
 *
 * Direction emulated → kernel: `transmit` writes the frame at once (the real-time loop runs events
 * when the wall clock reaches them, so "now" in the emulation is now for the kernel too).
 * Direction kernel → emulated: frames read from the TAP are queued in arrival order and delivered
 * to `onReceive` in one scheduler event at the current virtual time, so the emulated stack only ever
 * runs inside scheduler events; the real-time loop is woken to run that event immediately.
 */
import type { FrameHandler, LinkEndpoint } from "../../link/endpoint.js";
import { ethernetPayloadLength } from "../../link/link.js";
import type { Scheduler } from "../../sim/scheduler.js";
import type { TapDevice } from "./tap-device.js";

export interface TapEndpointOptions {
  /** Largest Ethernet payload accepted from the emulation (default 1500, as the Linux side's MTU). */
  mtu?: number;
  /** Called when frames from the kernel are waiting (a {@link WakeableClock}'s `wake`). */
  wake?: () => void;
}

export interface TapEndpointCounters {
  /** Frames handed to the emulation. */
  delivered: number;
  /** Frames from the emulation refused for exceeding the MTU. */
  mtuExceeded: number;
  /** Frames the kernel refused (see the device's counters for errno). */
  kernelRefused: number;
  /** Frames from the kernel dropped because the emulation stopped taking them (inbox full). */
  inboxOverflow: number;
}

/**
 * Frames from the kernel waiting for the emulation. The real-time loop takes them within one
 * event-loop turn, so this only fills when nothing runs the scheduler; then frames are dropped and
 * counted rather than held without bound (DESIGN.md principle 6).
 */
export const TAP_INBOX_LIMIT = 8192;

export class TapEndpoint implements LinkEndpoint {
  onReceive: FrameHandler | undefined;
  onCarrierChange?: ((up: boolean) => void) | undefined;
  readonly mtu: number;
  readonly counters: TapEndpointCounters = {
    delivered: 0,
    mtuExceeded: 0,
    kernelRefused: 0,
    inboxOverflow: 0,
  };
  private inbox: Uint8Array[] = [];
  private deliveryScheduled = false;
  private readonly deliver = () => this.deliverInbox();

  constructor(
    readonly device: TapDevice,
    private readonly scheduler: Scheduler,
    private readonly options: TapEndpointOptions = {},
  ) {
    this.mtu = options.mtu ?? 1500;
    device.onFrame = (frame) => {
      if (this.inbox.length < TAP_INBOX_LIMIT) this.inbox.push(frame);
      else this.counters.inboxOverflow++;
    };
    device.onBatchEnd = () => {
      if (this.inbox.length === 0 || this.deliveryScheduled) return;
      this.deliveryScheduled = true;
      this.scheduler.at(this.scheduler.now, this.deliver);
      this.options.wake?.();
    };
    device.start();
  }

  get name(): string {
    return `tap:${this.device.name}`;
  }

  get isUp(): boolean {
    return this.device.isOpen;
  }

  transmit(frame: Uint8Array): boolean {
    // Like a link, refuse what the far side's MTU would not carry (VLAN tags ride in the envelope).
    if (ethernetPayloadLength(frame) > this.mtu) {
      this.counters.mtuExceeded++;
      return false;
    }
    if (this.device.write(frame)) return true;
    this.counters.kernelRefused++;
    return false;
  }

  private deliverInbox(): void {
    this.deliveryScheduled = false;
    const frames = this.inbox;
    this.inbox = [];
    for (const frame of frames) {
      this.counters.delivered++;
      this.onReceive?.(frame);
    }
  }
}
