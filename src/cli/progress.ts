/**
 * A progress bar on stderr for long virtual-time runs (`--duration 5m`, `sleep 1h`): shown only on
 * a terminal, and only once a run has taken a moment of wall time, so quick runs print nothing.
 */
import type { ProgressListener } from "../shell/driver.js";
import { SECOND } from "../sim/time.js";

const WIDTH = 30;

export interface ProgressBar {
  readonly listener: ProgressListener;
  /** Erases the bar. */
  clear(): void;
}

export function progressBar(stream: NodeJS.WriteStream, color: boolean): ProgressBar | undefined {
  if (!stream.isTTY) return undefined;
  let shownAt = 0;
  let startedAt = 0;
  let currentEnd = -1;
  let visible = false;
  const clearBar = () => {
    if (visible) stream.write("\r\u001b[K");
    visible = false;
  };
  const listener: ProgressListener = (now, start, end) => {
    const wall = Date.now();
    if (end !== currentEnd) {
      currentEnd = end;
      startedAt = wall;
    }
    const fraction = end > start ? Math.min(1, (now - start) / (end - start)) : 1;
    if (fraction >= 1) return clearBar();
    if (wall - startedAt < 300 || wall - shownAt < 100) return;
    shownAt = wall;
    const filled = Math.round(fraction * WIDTH);
    const bar = `${"#".repeat(filled)}${".".repeat(WIDTH - filled)}`;
    const text = `[${bar}] ${((now - start) / SECOND).toFixed(1)}s / ${((end - start) / SECOND).toFixed(1)}s of network time`;
    stream.write(`\r${color ? `\u001b[2m${text}\u001b[22m` : text}\u001b[K`);
    visible = true;
  };
  return { listener, clear: clearBar };
}
