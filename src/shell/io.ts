/**
 * What the shell engine needs from the world around it, as interfaces: where text goes, the files
 * `curl -o` writes and `--data-binary @FILE` reads, and colours. The CLI passes Node's stdout and
 * file system; the web lab passes a browser terminal and an in-memory file system. The engine
 * itself imports nothing platform-specific.
 */

/** Where a command's output goes. */
export interface ShellOutput {
  write(text: string): void;
  /** Raw bytes (a download shown on the terminal). Without it, bytes are decoded as UTF-8. */
  writeBytes?(bytes: Uint8Array): void;
  /** A terminal (curl warns before printing binary data to one, and hides its progress meter). */
  readonly isTTY?: boolean;
}

/** A file being written, chunk by chunk (a large download never sits in memory). */
export interface FileSink {
  write(bytes: Uint8Array): void;
  /** Flushes and closes; rejects when the data could not be written. */
  close(): Promise<void>;
}

/** Bytes streaming out as they are produced (a live capture). */
export interface ByteStream {
  write(chunk: Uint8Array): void;
  /** Flushes and closes (stdout is flushed but left open). */
  close(): Promise<void>;
}

/**
 * The files commands read and write. Paths are as the user typed them (relative to the CLI's
 * working directory). Errors are thrown as `Error`s whose message reads like the system's
 * ("No such file or directory").
 */
export interface ShellFileSystem {
  readFile(path: string): Uint8Array;
  createWriteSink(path: string): FileSink;
  /**
   * Opens a stream for a live capture: a file, a named pipe that Wireshark reads as the bytes come
   * (opening it must not wait for the reader), or `-` for standard output. Without it, captures
   * go through {@link createWriteSink}.
   */
  openStream?(path: string): ByteStream;
}

/** A file system with nothing in it, for embeddings that have none. */
export const noFileSystem: ShellFileSystem = {
  readFile(path) {
    throw new Error(`${path}: files are not available here`);
  },
  createWriteSink(path) {
    throw new Error(`${path}: files are not available here`);
  },
};

/** A file system in memory (tests, the web lab). */
export class MemoryFileSystem implements ShellFileSystem {
  readonly files = new Map<string, Uint8Array>();

  readFile(path: string): Uint8Array {
    const data = this.files.get(path);
    if (!data) throw new Error("No such file or directory");
    return data;
  }

  createWriteSink(path: string): FileSink {
    const chunks: Uint8Array[] = [];
    return {
      write: (bytes) => {
        chunks.push(bytes.slice());
      },
      close: async () => {
        const total = chunks.reduce((n, c) => n + c.length, 0);
        const data = new Uint8Array(total);
        let offset = 0;
        for (const c of chunks) {
          data.set(c, offset);
          offset += c.length;
        }
        this.files.set(path, data);
      },
    };
  }
}

/** Text styles; all identity functions when colours are off (NO_COLOR, not a terminal). */
export interface Style {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const ansi =
  (open: number, close: number) =>
  (text: string): string =>
    `\u001b[${open}m${text}\u001b[${close}m`;

export function makeStyle(enabled: boolean): Style {
  if (!enabled) {
    const same = (text: string) => text;
    return { enabled, bold: same, dim: same, red: same, green: same, yellow: same, cyan: same };
  }
  return {
    enabled,
    bold: ansi(1, 22),
    dim: ansi(2, 22),
    red: ansi(31, 39),
    green: ansi(32, 39),
    yellow: ansi(33, 39),
    cyan: ansi(36, 39),
  };
}

/** Collects output in memory (tests, `--json`). */
export class BufferOutput implements ShellOutput {
  private readonly parts: string[] = [];
  private readonly decoder = new TextDecoder();
  constructor(readonly isTTY = false) {}
  write(text: string): void {
    this.parts.push(text);
  }
  writeBytes(bytes: Uint8Array): void {
    this.parts.push(this.decoder.decode(bytes, { stream: true }));
  }
  get text(): string {
    return this.parts.join("");
  }
  clear(): void {
    this.parts.length = 0;
  }
}
