/**
 * A Linux TAP interface seen from our side: Ethernet frames in and out, one frame per system call.
 *
 * Frames the kernel sends out of the TAP interface (ARP requests, IP packets routed to it) are
 * read here, each into bytes of its own that the receiver may keep; frames we write are received by the
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
/**
 * Received frames are read straight into a chunk of this size, one after another, and handed on as
 * views of it: no copy and no buffer of their own per frame. A chunk is never written again once
 * a frame is in it (a fresh one is taken when the room left is less than the largest frame), so a
 * receiver may keep its frame; a chunk is freed when no frame in it is kept any more. Four times
 * the largest frame: ~170 full-size (1514-octet) frames per chunk.
 */
const CHUNK_LENGTH = 4 * READ_BUFFER_LENGTH;
/** Frames per readBatch call (the lengths array has one more place, for the stop reason). */
const FRAMES_PER_CALL = 64;

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
  /**
   * Called for each frame read from the kernel; the handler may keep the frame (its bytes are never
   * reused) and may change them (no other frame shares them).
   */
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
  private chunk = new Uint8Array(CHUNK_LENGTH);
  /** Octets of `chunk` holding frames already handed on. */
  private chunkUsed = 0;
  private readonly lengths = new Int32Array(FRAMES_PER_CALL + 1);
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
    if (this.addon.readBatch) this.readBatches(this.addon.readBatch);
    else this.readOneByOne();
    this.onBatchEnd?.();
  }

  /**
   * Up to READ_BATCH frames in calls of FRAMES_PER_CALL (one crossing into the addon each), read
   * into the current chunk and handed on as views of it.
   */
  private readBatches(readBatch: NonNullable<TapAddon["readBatch"]>): void {
    const lengths = this.lengths;
    let frames = 0;
    while (frames < READ_BATCH && !this.closed) {
      if (CHUNK_LENGTH - this.chunkUsed < READ_BUFFER_LENGTH) {
        this.chunk = new Uint8Array(CHUNK_LENGTH);
        this.chunkUsed = 0;
      }
      const chunk = this.chunk;
      const start = this.chunkUsed;
      const count = readBatch(this.fd, chunk.subarray(start), lengths, READ_BUFFER_LENGTH);
      let at = start;
      for (let i = 0; i < count; i++) {
        const n = lengths[i];
        this.counters.rxFrames++;
        this.counters.rxBytes += n;
        const frame = chunk.subarray(at, at + n);
        at += n;
        this.chunkUsed = at;
        this.onFrame?.(frame);
        if (this.closed) return;
      }
      frames += count;
      const status = lengths[count];
      if (status < 0) {
        if (status !== -EAGAIN) {
          this.counters.rxErrors++;
          this.counters.lastErrno = -status;
        }
        return;
      }
      if (count === 0) return; // end of file: the interface is gone
    }
  }

  /** The same with one read(2) per call, for an addon built before readBatch; a copy per frame. */
  private readOneByOne(): void {
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
  }
}
