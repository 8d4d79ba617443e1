/**
 * A Linux TAP interface seen from our side: Ethernet frames in and out, one frame per system call.
 *
 * Frames the kernel sends out of the TAP interface (ARP requests, IP packets routed to it) are
 * read here, each into a fresh buffer the receiver owns; frames we write are received by the
 * kernel as if they arrived on a wire. The file descriptor is non-blocking and watched by libuv, so
 * reads happen on the JavaScript thread in arrival order. Nothing here drops, reorders or alters
 * a frame: when the kernel refuses a write (interface down), the frame is counted as a transmit
 * error and `write` returns false, as a link refuses a frame.
 */
import { EAGAIN, loadTapAddon, type TapAddon, type TapWatcher } from "./native.js";

/** The largest frame a TAP read can return (64 KiB IP packet plus Ethernet and VLAN headers). */
const READ_BUFFER_LENGTH = 65536 + 32;
/** Frames read per readiness callback before giving the event loop back (it calls again). */
const READ_BATCH = 256;

export interface TapCounters {
  /** Frames and bytes read from the kernel. */
  rxFrames: number;
  rxBytes: number;
  /** Frames and bytes the kernel accepted from us. */
  txFrames: number;
  txBytes: number;
  /** Writes the kernel refused (e.g. EIO while the interface is down), and frames offered after close. */
  txErrors: number;
  /** Reads that failed with something other than EAGAIN, and poll errors. */
  rxErrors: number;
  /** The errno of the last failed read or write (0: none). */
  lastErrno: number;
}

export interface TapOpenOptions {
  /** Open (and create) the interface inside this network namespace (`ip netns` name). */
  netns?: string;
}

export class TapDevice {
  /** Called for each frame read from the kernel; the frame is a fresh copy the handler may keep. */
  onFrame: ((frame: Uint8Array) => void) | undefined;
  /** Called after each batch of frames read in one readiness callback. */
  onBatchEnd: (() => void) | undefined;
  readonly counters: TapCounters = {
    rxFrames: 0,
    rxBytes: 0,
    txFrames: 0,
    txBytes: 0,
    txErrors: 0,
    rxErrors: 0,
    lastErrno: 0,
  };
  private watcher: TapWatcher | undefined;
  private readonly readBuffer = new Uint8Array(READ_BUFFER_LENGTH);
  private closed = false;
  private referenced = true;

  private constructor(
    private readonly addon: TapAddon,
    private readonly fd: number,
    /** The interface's name as the kernel knows it. */
    readonly name: string,
    /** The namespace it lives in (undefined: ours). */
    readonly netns: string | undefined,
  ) {}

  /**
   * Opens TAP interface `name`, creating it if needed (a created interface is not persistent: the
   * kernel removes it when we close it or exit, even on a crash). Throws when the addon is missing
   * or the kernel refuses (not root, name taken by a non-TAP interface).
   */
  static open(name: string, options: TapOpenOptions = {}): TapDevice {
    const addon = loadTapAddon();
    const opened = addon.open(name, options.netns ? `/var/run/netns/${options.netns}` : undefined);
    return new TapDevice(addon, opened.fd, opened.name, options.netns);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Starts delivering received frames to `onFrame` (call once the handler is set). */
  start(): void {
    if (this.closed || this.watcher) return;
    this.watcher = this.addon.poll(this.fd, (events) => this.readable(events));
    if (!this.referenced) this.addon.unref(this.watcher);
  }

  /** Writes one frame to the kernel. False when the kernel refused it (counted in txErrors). */
  write(frame: Uint8Array): boolean {
    if (this.closed) {
      this.counters.txErrors++;
      return false;
    }
    const n = this.addon.write(this.fd, frame);
    if (n === frame.length) {
      this.counters.txFrames++;
      this.counters.txBytes += n;
      return true;
    }
    this.counters.txErrors++;
    this.counters.lastErrno = n < 0 ? -n : 0;
    return false;
  }

  /** Whether an open TAP keeps the Node.js process alive (default true). */
  ref(): void {
    this.referenced = true;
    if (this.watcher) this.addon.ref(this.watcher);
  }

  unref(): void {
    this.referenced = false;
    if (this.watcher) this.addon.unref(this.watcher);
  }

  /** Stops reading and closes the descriptor; a non-persistent interface disappears with it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.watcher) this.addon.stopPoll(this.watcher);
    this.watcher = undefined;
    this.addon.close(this.fd);
  }

  private readable(events: number): void {
    if (events < 0) {
      this.counters.rxErrors++;
      this.counters.lastErrno = -events;
      return;
    }
    const buffer = this.readBuffer;
    for (let i = 0; i < READ_BATCH && !this.closed; i++) {
      const n = this.addon.read(this.fd, buffer);
      if (n < 0) {
        if (n !== -EAGAIN) {
          this.counters.rxErrors++;
          this.counters.lastErrno = -n;
        }
        break;
      }
      if (n === 0) break;
      this.counters.rxFrames++;
      this.counters.rxBytes += n;
      // A copy per frame: receivers keep frames (queues, captures), and the read buffer is reused.
      this.onFrame?.(buffer.slice(0, n));
    }
    this.onBatchEnd?.();
  }
}
