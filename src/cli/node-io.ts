/**
 * The shell engine's view of the machine it runs on, for Node.js: stdout/stderr as
 * {@link ShellOutput}s, the real file system for `curl -o` and `--data-binary @FILE`, and whether
 * colours are wanted (https://no-color.org: NO_COLOR set to anything turns them off; so does output
 * that is not a terminal).
 */
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { openCaptureSink } from "../platform/capture-sink.js";
import type { ByteStream, FileSink, ShellFileSystem, ShellOutput } from "../shell/io.js";

const outputGone = new AbortController();

/**
 * Aborted when the reader of stdout or stderr has gone away (`tinkernet run lab.yml --exec ... |
 * head -1`: the next write fails with EPIPE). A pipe's writer is expected to stop quietly then, as
 * `yes | head -1` does: the run stops its commands, tears the lab down and exits 0, with no stack
 * trace. Armed by {@link watchClosedOutput}.
 */
export const closedOutput: AbortSignal = outputGone.signal;

let watching = false;

/**
 * Listens for EPIPE on stdout and stderr (without a listener, Node turns it into an uncaught
 * exception). Other write errors are not ours to hide.
 */
export function watchClosedOutput(): void {
  if (watching) return;
  watching = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE" || error.code === "ERR_STREAM_DESTROYED") outputGone.abort();
      else throw error;
    });
  }
}

/** A Node.js stream as shell output; once the reader has gone ({@link closedOutput}), writes nothing. */
export function streamOutput(stream: NodeJS.WriteStream): ShellOutput {
  return {
    write: (text) => {
      if (!closedOutput.aborted) stream.write(text);
    },
    writeBytes: (bytes) => {
      if (!closedOutput.aborted) stream.write(bytes);
    },
    get isTTY() {
      return stream.isTTY === true;
    },
  };
}

/** Whether to colour what goes to `stream`. */
export function wantsColor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  return stream.isTTY === true && env.TERM !== "dumb";
}

const systemMessages: Record<string, string> = {
  ENOENT: "No such file or directory",
  EACCES: "Permission denied",
  EISDIR: "Is a directory",
  ENOTDIR: "Not a directory",
  ENOSPC: "No space left on device",
  EROFS: "Read-only file system",
};

function describe(error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  return new Error(code && systemMessages[code] ? systemMessages[code] : (error as Error).message);
}

/** Files on the real file system, paths relative to the working directory. Writes are buffered. */
export const nodeFileSystem: ShellFileSystem = {
  /** Live captures: files, FIFOs (opened without waiting for the reader) and `-` (stdout). */
  openStream(path): ByteStream {
    const handle = openCaptureSink(path);
    return { write: (chunk) => handle.sink(chunk), close: () => handle.close() };
  },
  readFile(path) {
    try {
      return new Uint8Array(readFileSync(path));
    } catch (error) {
      throw describe(error);
    }
  },
  createWriteSink(path): FileSink {
    let fd: number;
    try {
      fd = path === "/dev/stdout" ? 1 : openSync(path, "w");
    } catch (error) {
      throw describe(error);
    }
    const chunks: Uint8Array[] = [];
    let buffered = 0;
    let failure: Error | undefined;
    const flush = () => {
      if (failure || chunks.length === 0) return;
      try {
        writeSync(fd, Buffer.concat(chunks));
      } catch (error) {
        failure = describe(error);
      }
      chunks.length = 0;
      buffered = 0;
    };
    return {
      write(bytes) {
        chunks.push(bytes.slice());
        buffered += bytes.length;
        if (buffered >= 1 << 20) flush();
      },
      async close() {
        flush();
        if (fd !== 1) closeSync(fd);
        if (failure) throw failure;
      },
    };
  },
};
