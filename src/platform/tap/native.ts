/**
 * Loads the TAP addon (native/tap.cc, built by node-gyp when `npm install` runs the package's
 * `install` script). The addon does only what Node.js cannot: open /dev/net/tun with the
 * TUNSETIFF ioctl (optionally inside a network namespace), read and write one whole frame per
 * system call, and watch the descriptor with libuv's poll. A missing build is an error that says
 * how to fix it, never a silent fallback.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export interface TapAddon {
  /** Opens (creating if needed) TAP interface `name`, inside the namespace at `netnsPath` if given. */
  open(name: string, netnsPath?: string): { fd: number; name: string };
  /** One read(2): the frame's length, or -errno (-EAGAIN when nothing is waiting). */
  read(fd: number, buffer: Uint8Array): number;
  /**
   * Several read(2)s in one call, frames packed one after another into `buffer` while `room`
   * bytes are left: the count, with the stop reason in lengths[count] (0, -EAGAIN, -errno).
   * Absent from addons built before it existed (then `read` is used).
   */
  readBatch?(fd: number, buffer: Uint8Array, lengths: Int32Array, room: number): number;
  /** One write(2) of one frame: bytes written, or -errno. */
  write(fd: number, frame: Uint8Array): number;
  close(fd: number): void;
  /** Calls `onReadable(events)` on the JS thread whenever the fd is readable (negative: poll error). */
  poll(fd: number, onReadable: (events: number) => void): TapWatcher;
  stopPoll(watcher: TapWatcher): void;
  ref(watcher: TapWatcher): void;
  unref(watcher: TapWatcher): void;
}

/** An opaque libuv poll watcher. */
export type TapWatcher = { readonly __tapWatcher: unique symbol };

/** errno values the bridge tells apart. */
export const EAGAIN = 11;
export const EIO = 5;

/** The TAP bridge cannot work here (not Linux, addon not built, not root); `message` says why. */
export class TapUnavailableError extends Error {
  override name = "TapUnavailableError";
}

/** The project root: dist/src/platform/tap → four levels up. */
const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");

/** Where node-gyp puts the addon (overridable with TINKERNET_TAP_ADDON). */
export const addonPath =
  process.env.TINKERNET_TAP_ADDON ?? join(projectRoot, "build", "Release", "tinkernet_tap.node");

let cached: TapAddon | undefined;

/** Loads the addon once; throws {@link TapUnavailableError} with the fix when it cannot. */
export function loadTapAddon(): TapAddon {
  if (cached) return cached;
  if (process.platform !== "linux") {
    throw new TapUnavailableError(`TAP interfaces need Linux (this is ${process.platform})`);
  }
  if (!existsSync(addonPath)) {
    throw new TapUnavailableError(
      `the TAP addon is not built (${addonPath} is missing): run \`npm install\` (it runs node-gyp), ` +
        "or `npx node-gyp rebuild` in the project folder; it needs python3, make and g++",
    );
  }
  try {
    cached = createRequire(import.meta.url)(addonPath) as TapAddon;
  } catch (error) {
    throw new TapUnavailableError(
      `the TAP addon at ${addonPath} does not load (${error instanceof Error ? error.message : String(error)}): ` +
        "rebuild it with `npx node-gyp rebuild`",
    );
  }
  return cached;
}

/** Why the TAP bridge is unavailable here, or undefined when it can be used (for tests and the CLI). */
export function tapUnavailableReason(): string | undefined {
  try {
    loadTapAddon();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  if (!existsSync("/dev/net/tun"))
    return "/dev/net/tun is missing (no TUN/TAP support in this kernel or container)";
  if (typeof process.getuid === "function" && process.getuid() !== 0) {
    return "creating TAP interfaces and namespaces needs root (CAP_NET_ADMIN)";
  }
  return undefined;
}
