/** Sessions: eBGP and iBGP establishment, the exchange of routes, and what `show` prints. */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { showIpBgp, showIpBgpNeighbors, showIpBgpSummary } from "../../../src/routing/bgp/show.js";
import { Bgp } from "../../../src/routing/bgp/speaker.js";
import { SECOND } from "../../../src/sim/time.js";
import { tcpStreamTransport } from "../../../src/socket/tcp-transport.js";
import { Ipv4Address, Ipv4Prefix } from "../../../src/wire/address/ipv4.js";
import {
  type BgpMessage,
  bgpMessageLength,
  encodeBgpMessage,
  parseBgpMessage,
} from "../../../src/wire/bgp/index.js";
import { isParseError } from "../../../src/wire/parse-error.js";
import { lab, settle, startBgp } from "./support.js";

test("eBGP: the session reaches Established and each side learns the other's network", () => {
  const l = startBgp(lab(["r1", "r2"], [["r1", "r2", 12]], { r1: "10.1.0.0", r2: "10.2.0.0" }), {
    r1: {
      asn: 65001,
      "router-id": "1.1.1.1",
      neighbors: [{ address: "10.0.12.2", "remote-as": 65002 }],
      networks: ["10.1.0.0/24"],
    },
    r2: {
      asn: 65002,
      "router-id": "2.2.2.2",
      neighbors: [{ address: "10.0.12.1", "remote-as": 65001 }],
      networks: ["10.2.0.0/24"],
    },
  });
  const states: string[] = [];
  l.net.tracer.subscribe((e) => {
    if (e.type === "routing-neighbor" && e.node === "r1") states.push(e.to);
  });
  settle(l);
  assert.equal(l.bgp.r1.session("10.0.12.2")?.state, "Established");
  assert.equal(states[states.length - 1], "Established");
  assert.ok(states.includes("OpenSent") && states.includes("OpenConfirm"));
  const route = l.r.r1.ipv4.routes.lookup(Ipv4Address.parse("10.2.0.10"));
  assert.equal(route?.protocol, "bgp");
  assert.equal(route?.distance, 20);
  assert.equal(route?.nextHops[0].via?.toString(), "10.0.12.2");
  const table = showIpBgp(l.bgp.r2);
  assert.match(table, /^\*> 10\.1\.0\.0\/24\s+10\.0\.12\.1\s+0\s+0 65001 i$/m);
  assert.match(table, /^\*> 10\.2\.0\.0\/24\s+0\.0\.0\.0\s+0\s+32768 i$/m);
  assert.match(table, /Displayed {2}2 routes and 2 total paths/);
  assert.match(l.r.r1.showIpRoute(), /B>\* 10\.2\.0\.0\/24 \[20\/0\] via 10\.0\.12\.2, eth0/);
  const summary = showIpBgpSummary(l.bgp.r1);
  assert.match(summary, /BGP router identifier 1\.1\.1\.1, local AS number 65001/);
  assert.match(
    summary,
    /^10\.0\.12\.2\s+4\s+65002\s+\d+\s+\d+\s+\d+\s+0\s+0\s+\d\d:\d\d:\d\d\s+1\s+1 N\/A$/m,
  );
  const neighbors = showIpBgpNeighbors(l.bgp.r1);
  assert.match(neighbors, /BGP neighbor is 10\.0\.12\.2, remote AS 65002, local AS 65001, external link/);
  assert.match(neighbors, /BGP state = Established/);
  assert.match(neighbors, /4 Byte AS: advertised and received/);
  // And the other way: r2 forwards to r1's LAN over its BGP route.
  assert.equal(
    l.r.r2.ipv4.routes.lookup(Ipv4Address.parse("10.1.0.10"))?.nextHops[0].via?.toString(),
    "10.0.12.1",
  );
});

test("iBGP: LOCAL_PREF 100 is added, the route has distance 200, and no AS is prepended", () => {
  const l = startBgp(lab(["r1", "r2"], [["r1", "r2", 12]], { r1: "10.1.0.0" }), {
    r1: {
      asn: 65000,
      "router-id": "1.1.1.1",
      neighbors: [{ address: "10.0.12.2", "remote-as": 65000 }],
      networks: ["10.1.0.0/24"],
    },
    r2: { asn: 65000, "router-id": "2.2.2.2", neighbors: [{ address: "10.0.12.1", "remote-as": 65000 }] },
  });
  settle(l);
  assert.equal(l.bgp.r2.session("10.0.12.1")?.state, "Established");
  const best = l.bgp.r2.entry("10.1.0.0/24")?.best;
  assert.equal(best?.attributes.localPref, 100);
  assert.deepEqual(best?.attributes.asPath, []);
  assert.equal(l.r.r2.ipv4.routes.selected(best!.prefix)?.distance, 200);
  assert.match(showIpBgp(l.bgp.r2), /^\*>i10\.1\.0\.0\/24\s+10\.0\.12\.1\s+0\s+100\s+0 i$/m);
  assert.match(showIpBgpNeighbors(l.bgp.r2), /internal link/);
});

test("a wrong remote-as is refused with OPEN Message Error / Bad Peer AS, and the session stays down", () => {
  const l = startBgp(lab(["r1", "r2"], [["r1", "r2", 12]]), {
    r1: { asn: 65001, "router-id": "1.1.1.1", neighbors: [{ address: "10.0.12.2", "remote-as": 65099 }] },
    r2: { asn: 65002, "router-id": "2.2.2.2", neighbors: [{ address: "10.0.12.1", "remote-as": 65001 }] },
  });
  settle(l, 5);
  assert.notEqual(l.bgp.r1.session("10.0.12.2")?.state, "Established");
  assert.match(l.bgp.r1.session("10.0.12.2")?.lastError ?? "", /Bad Peer AS/);
  assert.match(l.bgp.r2.session("10.0.12.1")?.lastError ?? "", /received OPEN Message Error\/Bad Peer AS/);
});

test("hold timer: a peer that goes silent is dropped with Hold Timer Expired and its routes withdrawn", () => {
  const l = startBgp(lab(["r1", "r2"], [["r1", "r2", 12]], { r2: "10.2.0.0" }), {
    r1: { asn: 65001, "router-id": "1.1.1.1", neighbors: [{ address: "10.0.12.2", "remote-as": 65002 }] },
    r2: {
      asn: 65002,
      "router-id": "2.2.2.2",
      neighbors: [{ address: "10.0.12.1", "remote-as": 65001 }],
      networks: ["10.2.0.0/24"],
    },
  });
  settle(l);
  assert.ok(l.bgp.r1.entry("10.2.0.0/24")?.best);
  // Every frame is lost but the carrier stays up: only the hold timer (3 s) can notice.
  l.net.links[0].configure({ loss: "100%" });
  settle(l, 2);
  assert.ok(l.bgp.r1.entry("10.2.0.0/24")?.best, "still there before the hold time");
  settle(l, 2);
  assert.equal(l.bgp.r1.entry("10.2.0.0/24"), undefined, "withdrawn when the hold timer expired");
  assert.match(l.bgp.r1.session("10.0.12.2")?.lastError ?? "", /Hold Timer Expired/);
  assert.equal(l.r.r1.ipv4.routes.lookup(Ipv4Address.parse("10.2.0.10")), undefined);
  // The link heals: the session comes back and so does the route.
  l.net.links[0].configure({ loss: 0 });
  settle(l, 20);
  assert.equal(l.bgp.r1.session("10.0.12.2")?.state, "Established");
  assert.ok(l.bgp.r1.entry("10.2.0.0/24")?.best);
});

test("collision: both sides connect at once and exactly one connection survives (RFC 4271 §6.8)", () => {
  const l = startBgp(lab(["r1", "r2"], [["r1", "r2", 12]]), {
    r1: { asn: 65001, "router-id": "1.1.1.1", neighbors: [{ address: "10.0.12.2", "remote-as": 65002 }] },
    r2: { asn: 65002, "router-id": "2.2.2.2", neighbors: [{ address: "10.0.12.1", "remote-as": 65001 }] },
  });
  const notifications: string[] = [];
  l.net.tracer.subscribe((e) => {
    if (e.type === "routing-message" && e.kind === "NOTIFICATION" && e.direction === "out")
      notifications.push(`${e.node} ${e.summary}`);
  });
  settle(l, 30);
  assert.equal(l.bgp.r1.session("10.0.12.2")?.state, "Established");
  assert.equal(l.bgp.r2.session("10.0.12.1")?.state, "Established");
  assert.equal(l.bgp.r1.session("10.0.12.2")?.establishedCount, 1);
  assert.ok(
    notifications.every((n) => /Connection Collision Resolution/.test(n)),
    notifications.join("\n"),
  );
  // Keepalives keep the session up well past the hold time.
  settle(l, 30);
  assert.equal(l.bgp.r1.session("10.0.12.2")?.droppedCount, 0);
});

/** r1 runs our speaker; `peer` speaks BGP by hand over our TCP, and keeps what r1 sends it. */
function handWrittenPeer() {
  const l = lab(["r1", "peer"], [["r1", "peer", 12]]);
  const bgp = l.r.r1.routing.add(
    new Bgp(l.r.r1, {
      asn: 65001,
      "router-id": "1.1.1.1",
      neighbors: [{ address: "10.0.12.2", "remote-as": 65002, passive: true }],
    }),
  );
  const stream = tcpStreamTransport(l.r.peer.tcp).connect({ host: "10.0.12.1", port: 179 });
  const received: BgpMessage[] = [];
  const send = (m: BgpMessage | Uint8Array) =>
    stream.write(m instanceof Uint8Array ? m : encodeBgpMessage(m));
  stream.events.onConnect = () =>
    send({
      type: "open",
      version: 4,
      myAs: 65002,
      holdTime: 90,
      bgpId: Ipv4Address.parse("2.2.2.2"),
      capabilities: [{ kind: "four-octet-as", asn: 65002 }],
    });
  stream.events.onData = (chunk) => {
    for (let at = 0; at + 19 <= chunk.length; at += bgpMessageLength(chunk, at)) {
      const m = parseBgpMessage(chunk.subarray(at, at + bgpMessageLength(chunk, at)));
      if (isParseError(m)) continue;
      received.push(m);
      if (m.type === "open") send({ type: "keepalive" });
    }
  };
  l.net.runFor(SECOND);
  assert.equal(bgp.session("10.0.12.2")?.state, "Established");
  const announce = (prefix: string, asns = [65002]): BgpMessage => ({
    type: "update",
    withdrawn: [],
    attributes: { origin: 0, asPath: [{ type: 2, asns }], nextHop: Ipv4Address.parse("10.0.12.2") },
    nlri: [Ipv4Prefix.parse(prefix)],
  });
  const notification = () => {
    const n = received.find((m) => m.type === "notification");
    return n?.type === "notification" ? [n.code, n.subcode, [...n.data]] : undefined;
  };
  return { l, bgp, send, announce, notification };
}

test("a malformed UPDATE from the peer is answered with the NOTIFICATION RFC 4271 §6.3 names, and its routes go", () => {
  const { l, bgp, send, announce, notification } = handWrittenPeer();
  send(announce("192.0.2.0/24"));
  l.net.runFor(SECOND);
  assert.ok(bgp.entry("192.0.2.0/24")?.best);
  // ORIGIN 5 does not exist: UPDATE Message Error / Invalid ORIGIN Attribute, data = the attribute.
  const bad = encodeBgpMessage(announce("198.51.100.0/24"));
  bad[23 + 3] = 5; // header 19, withdrawn length 2, attribute length 2, then ORIGIN's flags, type, length, value
  send(bad);
  l.net.runFor(SECOND);
  assert.deepEqual(notification(), [3, 6, [0x40, 1, 1, 5]]);
  assert.notEqual(bgp.session("10.0.12.2")?.state, "Established");
  assert.equal(bgp.entry("192.0.2.0/24"), undefined, "the session's routes are withdrawn");
  assert.equal(l.r.r1.ipv4.routes.lookup(Ipv4Address.parse("192.0.2.1")), undefined);
});

test("an external peer's AS_PATH must start with its own AS: otherwise UPDATE Message Error / Malformed AS_PATH", () => {
  const { l, bgp, send, announce, notification } = handWrittenPeer();
  send(announce("192.0.2.0/24", [65099, 65002]));
  l.net.runFor(SECOND);
  assert.deepEqual(notification(), [3, 11, []]);
  assert.equal(bgp.entry("192.0.2.0/24"), undefined);
  assert.match(bgp.session("10.0.12.2")?.lastError ?? "", /Malformed AS_PATH/);
});

test("property: whatever bytes an established peer sends, the speaker never throws and answers errors with a NOTIFICATION", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.uint8Array({ minLength: 1, maxLength: 64 }),
          // A valid header with a random type and body, to get past the framing.
          fc.tuple(fc.integer({ min: 0, max: 8 }), fc.uint8Array({ maxLength: 40 })).map(([type, body]) => {
            const m = new Uint8Array(19 + body.length).fill(0xff);
            m[16] = (19 + body.length) >> 8;
            m[17] = (19 + body.length) & 0xff;
            m[18] = type;
            m.set(body, 19);
            return m;
          }),
        ),
        { minLength: 1, maxLength: 4 },
      ),
      (chunks) => {
        const { l, bgp, send, notification } = handWrittenPeer();
        for (const c of chunks) send(c);
        l.net.runFor(SECOND);
        const sent = notification();
        const session = bgp.session("10.0.12.2");
        if (session?.state !== "Established") {
          // Down: we notified the error, or the peer itself sent a NOTIFICATION (never answered, §6.4).
          if (session?.receivedCounts.notifications === 0) {
            assert.ok(sent, "the session went down with a NOTIFICATION");
            assert.ok((sent[0] as number) >= 1 && (sent[0] as number) <= 6, String(sent));
          } else {
            assert.equal(session?.sent.notifications, 0, "a NOTIFICATION is never answered");
          }
        }
      },
    ),
    { numRuns: 60 },
  );
});
