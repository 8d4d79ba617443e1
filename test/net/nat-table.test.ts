/**
 * The translation table on its own: its open-addressing index against a Map, port allocation
 * (preservation, parity, ranges, exhaustion), the bound on sessions, and lazy expiry that still
 * keeps memory bounded.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { DEFAULT_TIMEOUTS } from "../../src/net/nat/config.js";
import { EndpointIndex, NatTable, type NatTableOptions } from "../../src/net/nat/table.js";
import { SECOND } from "../../src/sim/time.js";

test("EndpointIndex behaves like a Map under any mix of sets and deletes (backward-shift deletion)", () => {
  const op = fc.record({
    set: fc.boolean(),
    address: fc.integer({ min: 0, max: 40 }).map((a) => (a * 0x01010101) >>> 0),
    key: fc.integer({ min: 0, max: 30 }),
    value: fc.integer(),
  });
  fc.assert(
    fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
      const index = new EndpointIndex<number>();
      const model = new Map<string, number>();
      for (const { set, address, key, value } of ops) {
        const name = `${address}/${key}`;
        if (set) {
          index.set(address, key, value);
          model.set(name, value);
        } else {
          assert.equal(index.delete(address, key), model.delete(name));
        }
        assert.equal(index.size, model.size);
      }
      for (const [name, value] of model) {
        const [address, key] = name.split("/").map(Number);
        assert.equal(index.get(address, key), value);
      }
      assert.deepEqual([...index].sort(), [...model.values()].sort());
    }),
    { numRuns: 200 },
  );
});

function table(options: Partial<NatTableOptions> = {}): NatTable {
  let seed = 1;
  return new NatTable({
    mapping: "endpoint-independent",
    filtering: "address-and-port-dependent",
    maxSessions: 1000,
    timeouts: DEFAULT_TIMEOUTS,
    inboundRefresh: true,
    randomInt: (n) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    },
    ...options,
  });
}

const OUT = 0xcb007102; // 203.0.113.2
const UDP = 17;

test("ports: preserved when free, else same parity in the same class; a full range refuses", () => {
  const t = table({ ports: { min: 6000, max: 6003 } });
  const ports = [0xc0a8010a, 0xc0a8010b, 0xc0a8010c, 0xc0a8010d].map((host) => {
    const m = t.createMapping(UDP, 1, host, 6000, 1, 53, OUT, 0);
    assert.ok(typeof m !== "string");
    return m.externalPort;
  });
  assert.equal(ports[0], 6000);
  assert.equal(ports[1], 6002, "the other even port first (RFC 4787 REQ-4)");
  assert.deepEqual(ports.slice(2).sort(), [6001, 6003]);
  assert.equal(t.createMapping(UDP, 1, 0xc0a8010e, 6000, 1, 53, OUT, 0), "no-free-port");
  assert.equal(t.stats.refusedNoPort, 1);
  // TCP's ports are separate from UDP's.
  const tcp = t.createMapping(6, 0, 0xc0a8010e, 6000, 1, 80, OUT, 0);
  assert.ok(typeof tcp !== "string" && tcp.externalPort === 6000);
});

test("the session bound refuses new sessions, a sweep makes room once old ones expire", () => {
  const t = table({ maxSessions: 10 });
  for (let i = 0; i < 10; i++) {
    const m = t.createMapping(UDP, 1, 0x0a000001, 1000 + i, 2, 53, OUT, 0);
    assert.ok(typeof m !== "string");
    assert.ok(typeof t.createSession(m, 2, 53, 0) !== "string");
  }
  assert.equal(t.createMapping(UDP, 1, 0x0a000001, 2000, 2, 53, OUT, 0), "table-full");
  const later = DEFAULT_TIMEOUTS.udp + SECOND;
  const m = t.createMapping(UDP, 1, 0x0a000001, 2000, 2, 53, OUT, later);
  assert.ok(typeof m !== "string");
  assert.equal(t.stats.refusedTableFull, 1);
  assert.equal(t.stats.sessionsExpired, 10);
});

test("lazy expiry keeps memory bounded: a steady stream of short flows never piles up", () => {
  const t = table({ maxSessions: 1_000_000 });
  let now = 0;
  for (let i = 0; i < 20_000; i++) {
    now += SECOND / 10; // ten new flows a second, each idle after its first packet
    const m = t.createMapping(UDP, 1, 0x0a000001 + (i % 50), 1024 + (i % 60000), 2, 53, OUT, now);
    assert.ok(typeof m !== "string");
    t.createSession(m, 2, 53, now);
  }
  // With a 5-minute timeout 3000 flows are alive; the clock hand keeps what it holds within
  // about twice that (without it, all 20,000 would still be held).
  assert.ok(t.sessionCount <= 6000, `sessions held: ${t.sessionCount}`);
  assert.ok(t.mappingCount <= 6000, `mappings held: ${t.mappingCount}`);
});

test("a dynamic mapping's expiry is its latest session's, so one with a single session expires with it (the sweep relies on it)", () => {
  const TCP = 6;
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          advance: fc.integer({ min: 0, max: 400 }),
          remote: fc.integer({ min: 1, max: 3 }),
          outbound: fc.boolean(),
          flags: fc.constantFrom(0x02, 0x12, 0x10, 0x11, 0x04, 0x18),
          tcp: fc.boolean(),
        }),
        { maxLength: 60 },
      ),
      (steps) => {
        const t = table({ maxSessions: 1000 });
        let now = 0;
        for (const step of steps) {
          now += step.advance * SECOND;
          const protocol = step.tcp ? TCP : UDP;
          const pi = step.tcp ? 0 : 1;
          let m = t.findOutbound(pi, 0x0a000001, 4000, step.remote, 80, now);
          if (m === undefined) {
            const made = t.createMapping(protocol, pi, 0x0a000001, 4000, step.remote, 80, OUT, now);
            if (typeof made === "string") continue;
            m = made;
          }
          let s = t.findSession(m, step.remote, 80, now);
          if (s === undefined) {
            const made = t.createSession(m, step.remote, 80, now);
            if (made === "table-full") continue;
            s = made;
          }
          t.use(s, step.outbound, step.flags, now);
          for (const mapping of t.mappings(now)) {
            if (mapping.isStatic) continue;
            const latest = Math.max(...mapping.sessions.map((x) => x.expires));
            assert.equal(mapping.expires, latest);
            assert.equal(mapping.sessionCount, mapping.sessions.length);
          }
        }
      },
    ),
    { numRuns: 300 },
  );
});
