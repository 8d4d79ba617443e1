import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  MAX_CLIENT_MESSAGE_BYTES,
  MAX_SHELL_LINE,
  validateClientMessage,
  validateClientValue,
} from "../../../src/web/protocol.js";

test("every page message type is accepted in its documented shape", () => {
  const good = [
    { type: "get-packet", id: 1, frameId: 12 },
    { type: "shell-open", session: "t1", node: "laptop" },
    { type: "shell-open", session: "lab" },
    { type: "shell-input", session: "t1", line: "ping -c 2 web1" },
    { type: "shell-interrupt", session: "t1" },
    { type: "shell-close", session: "t1" },
    { type: "shell-complete", session: "t1", line: "pi" },
    { type: "edit-link", link: "l3", impairments: { delay: "20ms", loss: "1%", mtu: 1400 } },
    { type: "link-state", link: "l3", up: false },
    { type: "add-host", name: "guest", attachTo: { node: "home-switch" } },
    { type: "run", duration: 1_000_000_000 },
  ];
  for (const message of good) {
    const result = validateClientMessage(JSON.stringify(message));
    assert.ok(result.ok, `${JSON.stringify(message)}: ${result.ok ? "" : result.error}`);
    assert.deepEqual(result.message, message);
  }
});

test("bad messages are refused with a reason, the type and the id when readable", () => {
  const cases: [unknown, RegExp][] = [
    ["not json", /not JSON/],
    [[1, 2], /JSON object/],
    [{ frameId: 1 }, /needs a "type"/],
    [{ type: "exec", command: "rm -rf /" }, /unknown message type "exec"/],
    [{ type: "get-packet", frameId: -1 }, /frameId/],
    [{ type: "get-packet", frameId: 1.5 }, /frameId/],
    [{ type: "get-packet", frameId: 1, extra: true }, /unknown field "extra"/],
    [{ type: "shell-input", session: "t1", line: "a\nb" }, /one line/],
    [{ type: "shell-input", session: "t1", line: "x".repeat(MAX_SHELL_LINE + 1) }, /longer/],
    [{ type: "shell-open", session: "../x" }, /not allowed/],
    [{ type: "edit-link", link: "l1", impairments: { delay: 20 } }, /impairments.delay/],
    [{ type: "edit-link", link: "l1", impairments: { shell: "x" } }, /unknown field "shell"/],
    [{ type: "edit-link", link: "l1", impairments: { mtu: 10 } }, /mtu/],
    [{ type: "link-state", link: "l1", up: "no" }, /"up"/],
    [{ type: "add-host", name: "1bad", attachTo: { node: "s1" } }, /not allowed/],
    [{ type: "run", duration: 0 }, /duration/],
    [{ type: "run", duration: 1e18 }, /duration/],
    [{ type: "run", id: "x", duration: 5 }, /"id"/],
  ];
  for (const [value, pattern] of cases) {
    const result = typeof value === "string" ? validateClientMessage(value) : validateClientValue(value);
    assert.equal(result.ok, false, JSON.stringify(value));
    if (!result.ok) assert.match(result.error, pattern);
  }
  const withId = validateClientValue({ type: "get-packet", id: 7, frameId: "x" });
  assert.ok(!withId.ok && withId.id === 7 && withId.request === "get-packet");
});

test("oversized messages are refused before parsing", () => {
  const text = JSON.stringify({
    type: "shell-input",
    session: "t",
    line: "é".repeat(MAX_CLIENT_MESSAGE_BYTES / 2),
  });
  const result = validateClientMessage(text);
  assert.ok(!result.ok && /too large/.test(result.error));
});

test("the validator never throws, and what it accepts has only known fields", () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.json(),
        fc.string(),
        fc.jsonValue().map((v) => JSON.stringify(v)),
      ),
      (text) => {
        const result = validateClientMessage(text);
        if (result.ok) assert.equal(typeof result.message.type, "string");
      },
    ),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(
      fc.record({
        type: fc.constantFrom("get-packet", "shell-input", "edit-link", "run", "add-host"),
        frameId: fc.anything(),
        session: fc.anything(),
        line: fc.anything(),
        duration: fc.anything(),
      }),
      (value) => {
        validateClientValue(value);
      },
    ),
    { numRuns: 300 },
  );
});
