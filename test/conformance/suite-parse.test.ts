/**
 * Every script of the FreeBSD TCP test suite (../shared/conformance/freebsd-tcp-testsuite, read in
 * place) parses without an error, counted by folder.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { isPktSyntaxError } from "../../src/conformance/pkt-lexer.js";
import { parsePkt } from "../../src/conformance/pkt-parser.js";
import { findScripts, readScript } from "../../src/conformance/suite-files.js";
import { hasShared, needSystem, sharedDir } from "../support/system.js";

const SUITE = "conformance/freebsd-tcp-testsuite";

/** The suite's scripts per top folder, as shipped (the suite is read-only). */
const EXPECTED: Record<string, number> = {
  "rcv-data-segments": 217,
  "rcv-icmp": 12,
  "snd-syn": 30,
  snippets: 36,
  "socket-api": 22,
  "state-event-engine": 614,
};

test("every script of the FreeBSD TCP suite parses", (t) => {
  if (!needSystem(t, `shared suite ${SUITE}`, hasShared(SUITE))) return;
  const parsed: Record<string, number> = {};
  const failures: string[] = [];
  let events = 0;
  for (const script of findScripts(join(sharedDir, SUITE))) {
    const result = parsePkt(readScript(script));
    if (isPktSyntaxError(result)) failures.push(`${script.name}: ${result.toString()}`);
    else {
      parsed[script.group] = (parsed[script.group] ?? 0) + 1;
      events += result.events.length;
      assert.ok(result.events.length > 0, `${script.name} has no events`);
    }
  }
  assert.deepEqual(failures, []);
  assert.deepEqual(parsed, EXPECTED);
  console.log(`parsed ${Object.values(parsed).reduce((a, b) => a + b, 0)} scripts, ${events} events`);
});
