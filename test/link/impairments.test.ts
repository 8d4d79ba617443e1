import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { GilbertElliott } from "../../src/link/gilbert-elliott.js";
import { parseDuration, parseLoss, parsePercent, parseRate, UnitError } from "../../src/link/impairments.js";
import { SeededRandom } from "../../src/sim/random.js";
import { MICROSECOND, MILLISECOND, SECOND } from "../../src/sim/time.js";

test("rates in tc's spellings: bits, bytes (bps), SI and IEC prefixes, any case", () => {
  assert.equal(parseRate("100Mbit"), 100e6);
  assert.equal(parseRate("100mbit"), 100e6);
  assert.equal(parseRate("1gbit"), 1e9);
  assert.equal(parseRate("2.5Gbit"), 2.5e9);
  assert.equal(parseRate("64kbit"), 64e3);
  assert.equal(parseRate("9600bit"), 9600);
  assert.equal(parseRate("9600"), 9600); // a bare number is bits per second, as in tc
  assert.equal(parseRate("125kbps"), 1e6); // bps is bytes per second in tc
  assert.equal(parseRate("1mbps"), 8e6);
  assert.equal(parseRate("1mibit"), 1024 * 1024);
  assert.equal(parseRate("1kibps"), 8192);
  assert.equal(parseRate("10 mbit"), 10e6);
  assert.equal(parseRate(1e6), 1e6);
});

test("durations in tc's spellings", () => {
  assert.equal(parseDuration("20ms"), 20 * MILLISECOND);
  assert.equal(parseDuration("1.5s"), 1.5 * SECOND);
  assert.equal(parseDuration("2sec"), 2 * SECOND);
  assert.equal(parseDuration("250us"), 250 * MICROSECOND);
  assert.equal(parseDuration("250usec"), 250 * MICROSECOND);
  assert.equal(parseDuration("100ns"), 100);
  assert.equal(parseDuration("0.5msecs"), 500 * MICROSECOND);
  assert.equal(parseDuration(1234), 1234);
});

test("percentages and fractions", () => {
  assert.equal(parsePercent("1%"), 0.01);
  assert.equal(parsePercent("0.5%"), 0.005);
  assert.equal(parsePercent("100%"), 1);
  assert.equal(parsePercent("0.25"), 0.25);
  assert.equal(parsePercent(0), 0);
});

test("loss models: probability, random, gemodel with netem's defaults", () => {
  assert.deepEqual(parseLoss("1%"), { model: "random", probability: 0.01 });
  assert.deepEqual(parseLoss("random 2%"), { model: "random", probability: 0.02 });
  assert.deepEqual(parseLoss(0), { model: "none" });
  assert.deepEqual(parseLoss("gemodel 1%"), {
    model: "gilbert-elliott",
    p: 0.01,
    r: 1,
    lossBad: 1,
    lossGood: 0,
  });
  assert.deepEqual(parseLoss("gemodel 1% 10% 70% 0.1%"), {
    model: "gilbert-elliott",
    p: 0.01,
    r: 0.1,
    lossBad: 0.7,
    lossGood: 0.001,
  });
  assert.deepEqual(parseLoss({ model: "gilbert-elliott", p: 0.02, r: 0.5 }), {
    model: "gilbert-elliott",
    p: 0.02,
    r: 0.5,
    lossBad: 1,
    lossGood: 0,
  });
});

test("clear errors name the bad text and say what is accepted", () => {
  assert.throws(() => parseRate("100mbitz"), { name: "UnitError", message: /unknown unit "mbitz".*kbit/ });
  assert.throws(() => parseRate("fast"), /invalid rate "fast": expected a number and a unit/);
  assert.throws(() => parseRate(-5), /must be a finite number ≥ 0/);
  assert.throws(() => parseDuration("20"), /missing unit/);
  assert.throws(() => parseDuration("20 hours"), /unknown unit "hours"/);
  assert.throws(() => parsePercent("150%"), /between 0% and 100%/);
  assert.throws(() => parsePercent("1.5"), /between 0% and 100%/);
  assert.throws(() => parsePercent("1 percent"), /percentage such as 1%/);
  assert.throws(() => parseLoss("gemodel"), /gemodel p \[r/);
  assert.throws(() => parseLoss("sometimes 1%"), /write a probability/);
  assert.throws(() => parseLoss("gemodel 1% 200%"), UnitError);
});

test("parsers never throw anything but UnitError on arbitrary text", () => {
  fc.assert(
    fc.property(fc.string(), (text) => {
      for (const parse of [parseRate, parseDuration, parsePercent, parseLoss]) {
        try {
          const value = parse(text);
          if (typeof value === "number") assert.ok(value >= 0 && Number.isFinite(value));
        } catch (error) {
          assert.ok(error instanceof UnitError, String(error));
        }
      }
    }),
  );
});

test("Gilbert-Elliott long-run loss matches its formula", () => {
  const params = { p: 0.05, r: 0.25, lossBad: 0.8, lossGood: 0.01 };
  assert.ok(Math.abs(GilbertElliott.meanLoss(params) - (0.25 * 0.01 + 0.05 * 0.8) / 0.3) < 1e-12);
  const chain = new GilbertElliott(params);
  const random = new SeededRandom(2024);
  let lost = 0;
  const total = 200_000;
  for (let i = 0; i < total; i++) if (chain.lose(random)) lost++;
  assert.ok(Math.abs(lost / total - GilbertElliott.meanLoss(params)) < 0.01, `loss ${lost / total}`);
});
