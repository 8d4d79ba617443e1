/**
 * The progress bar of long virtual-time runs (`--duration 5m`, `sleep 1h`): on a terminal only,
 * shown once a run has taken 300 ms of wall time, redrawn at most every 100 ms, dim unless
 * colours are off, erased when the run ends; and the virtual driver reporting its slices.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { progressBar } from "../../src/cli/progress.js";
import { VirtualDriver } from "../../src/shell/driver.js";
import { Scheduler } from "../../src/sim/scheduler.js";
import { SECOND } from "../../src/sim/time.js";

const ESC = "\u001b";

/** A stream that records what is written; `isTTY` as asked. */
function fakeStream(isTTY: boolean): NodeJS.WriteStream & { written: string[] } {
  const written: string[] = [];
  return {
    isTTY,
    written,
    write(text: string) {
      written.push(text);
      return true;
    },
  } as unknown as NodeJS.WriteStream & { written: string[] };
}

/** Runs `body` with Date.now() returning what `clock.now` says. */
function withWallClock(body: (clock: { now: number }) => void): void {
  const clock = { now: 1_000_000 };
  const real = Date.now;
  Date.now = () => clock.now;
  try {
    body(clock);
  } finally {
    Date.now = real;
  }
}

test("no bar when stderr is not a terminal (pipes, files, CI logs)", () => {
  assert.equal(progressBar(fakeStream(false), false), undefined);
});

test("the bar: after 300 ms of wall time, at most every 100 ms, then erased at the end", () => {
  withWallClock((clock) => {
    const stream = fakeStream(true);
    const bar = progressBar(stream, false)!;
    const end = 600 * SECOND;
    bar.listener(0, 0, end);
    clock.now += 200;
    bar.listener(60 * SECOND, 0, end);
    assert.deepEqual(stream.written, [], "a quick run prints nothing");
    clock.now += 150; // 350 ms into the run
    bar.listener(150 * SECOND, 0, end);
    assert.deepEqual(stream.written, [
      `\r[########......................] 150.0s / 600.0s of network time${ESC}[K`,
    ]);
    clock.now += 50; // too soon to redraw
    bar.listener(160 * SECOND, 0, end);
    assert.equal(stream.written.length, 1);
    clock.now += 100;
    bar.listener(450 * SECOND, 0, end);
    assert.equal(
      stream.written[1],
      `\r[#######################.......] 450.0s / 600.0s of network time${ESC}[K`,
    );
    bar.listener(end, 0, end);
    assert.equal(stream.written[2], `\r${ESC}[K`, "erased when done");
    bar.listener(end, 0, end);
    assert.equal(stream.written.length, 3, "erased once");
  });
});

test("with colours the bar is dim; a new run starts its own 300 ms", () => {
  withWallClock((clock) => {
    const stream = fakeStream(true);
    const bar = progressBar(stream, true)!;
    bar.listener(0, 0, 10 * SECOND);
    clock.now += 400;
    bar.listener(5 * SECOND, 0, 10 * SECOND);
    assert.equal(
      stream.written[0],
      `\r${ESC}[2m[###############...............] 5.0s / 10.0s of network time${ESC}[22m${ESC}[K`,
    );
    bar.clear();
    assert.equal(stream.written[1], `\r${ESC}[K`);
    // Another sleep: the clock of "has this taken a moment" starts again.
    bar.listener(10 * SECOND, 10 * SECOND, 20 * SECOND);
    clock.now += 200;
    bar.listener(15 * SECOND, 10 * SECOND, 20 * SECOND);
    assert.equal(stream.written.length, 2);
  });
});

test("the virtual driver reports each slice of a long sleep, ending at its end", async () => {
  const scheduler = new Scheduler();
  const driver = new VirtualDriver(scheduler);
  const seen: [number, number, number][] = [];
  driver.onProgress = (now, start, end) => seen.push([now, start, end]);
  await driver.sleep(3600 * SECOND);
  assert.equal(seen.length, 200, "200 slices");
  assert.ok(seen.every(([, start, end]) => start === 0 && end === 3600 * SECOND));
  assert.ok(
    seen.every(([now], i) => i === 0 || now > seen[i - 1][0]),
    "forward only",
  );
  assert.equal(seen.at(-1)![0], 3600 * SECOND);
  assert.equal(scheduler.now, 3600 * SECOND);
});
