/**
 * Where a capture's pcapng bytes go on Node.js: a file, a named pipe (FIFO) that Wireshark reads
 * live (`mkfifo /tmp/tn; wireshark -k -i /tmp/tn`), or stdout (`tinkernet ... | wireshark -k -i -`).
 *
 * The capture core (`src/trace/views/live-capture.ts`) hands over one pcapng block at a time; this
 * module writes them through a stream, so a FIFO whose reader has not opened yet (opening a FIFO
 * for writing waits for a reader) or is slow does not stall the simulation. When the reader goes
 * away (Wireshark closed: EPIPE), the sink stops writing and reports it instead of crashing.
 */
import { createWriteStream, type WriteStream } from "node:fs";
import type { Writable } from "node:stream";
import type { ByteSink } from "../trace/capture.js";

export interface CaptureSinkHandle {
  /** Give this to `startCapture`. */
  readonly sink: ByteSink;
  /** The reader went away or the file could not be written; nothing more is written. */
  readonly closed: boolean;
  /** Why it closed, when it closed by itself. */
  readonly error: Error | undefined;
  /** Called once when the sink closes by itself (reader gone, write error). */
  onClosed?: (error: Error) => void;
  /** Flushes and closes (stdout is flushed but left open). */
  close(): Promise<void>;
}

/** Opens `path` for a capture: a file or FIFO path, or `-` for stdout. */
export function openCaptureSink(path: string): CaptureSinkHandle {
  const toStdout = path === "-";
  const stream: Writable = toStdout ? process.stdout : createWriteStream(path);
  let closed = false;
  let failure: Error | undefined;
  const handle: CaptureSinkHandle = {
    sink: (chunk) => {
      if (closed) return;
      stream.write(chunk);
    },
    get closed() {
      return closed;
    },
    get error() {
      return failure;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (closed) return resolve();
        closed = true;
        if (toStdout) {
          // Resolve once what was written has been handed to the OS, or once the reader has gone
          // (EPIPE arrives instead of the drain; waiting for the drain would never end).
          if (!stream.writableNeedDrain) return resolve();
          const done = () => {
            stream.off("drain", done);
            stream.off("error", done);
            resolve();
          };
          stream.on("drain", done);
          stream.on("error", done);
          return;
        }
        (stream as WriteStream).end(() => resolve());
      }),
  };
  stream.on("error", (error: Error) => {
    if (closed) return;
    closed = true;
    failure = error;
    handle.onClosed?.(error);
  });
  return handle;
}
