/**
 * The web lab's server, end to end: the server in this process on a free port, a page played by
 * a `ws` client. The demo network (examples/internet.yml) with its start-up script for what the
 * page watches; examples/lan.yml for the edits.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import WebSocket from "ws";
import { loadTopology } from "../../../src/topology/loader.js";
import type { LabEvent, PacketMessage, ServerMessage } from "../../../src/web/protocol.js";
import { DEMO_SCRIPT, WebLab } from "../../../src/web/server/lab.js";
import { type LabServer, MAX_PENDING, startLabServer } from "../../../src/web/server/server.js";
import { hasCommand, needSystem, projectRoot } from "../../support/system.js";

/** A page: the messages it received, and a way to wait for one. */
class Page {
  readonly messages: ServerMessage[] = [];
  readonly events: LabEvent[] = [];
  private waiters: { match: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }[] = [];
  private nextId = 1;

  private constructor(readonly socket: WebSocket) {
    socket.on("message", (data) => {
      const message = JSON.parse(String(data)) as ServerMessage;
      this.messages.push(message);
      if (message.type === "events") this.events.push(...message.events);
      for (const waiter of [...this.waiters]) {
        if (waiter.match(message)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(message);
        }
      }
    });
  }

  static open(server: LabServer, headers: Record<string, string> = {}): Promise<Page> {
    const socket = new WebSocket(`${server.url}ws`.replace("http:", "ws:"), { headers });
    return new Promise((resolve, reject) => {
      socket.once("open", () => resolve(new Page(socket)));
      socket.once("error", reject);
    });
  }

  /** The first message (already received or to come) that matches. */
  wait<T extends ServerMessage>(match: (m: ServerMessage) => boolean, from = 0): Promise<T> {
    const found = this.messages.slice(from).find(match);
    if (found) return Promise.resolve(found as T);
    return new Promise((resolve) =>
      this.waiters.push({ match, resolve: resolve as (m: ServerMessage) => void }),
    );
  }

  send(message: object | string): void {
    this.socket.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /** Sends a request with an id; resolves with the reply (or the error) to it. */
  async ask<T extends ServerMessage>(message: object): Promise<T> {
    const id = this.nextId++;
    const from = this.messages.length;
    this.send({ ...message, id });
    return this.wait<T>((m) => "replyTo" in m && m.replyTo === id, from);
  }

  /** Runs a line in a terminal; resolves with its output and exit code. */
  async shell(session: string, line: string): Promise<{ text: string; code: number }> {
    const from = this.messages.length;
    const exit = await this.ask<Extract<ServerMessage, { type: "shell-exit" }>>({
      type: "shell-input",
      session,
      line,
    });
    const text = this.messages
      .slice(from)
      .filter(
        (m): m is Extract<ServerMessage, { type: "shell-output" }> =>
          m.type === "shell-output" && m.session === session,
      )
      .map((m) => m.text)
      .join("");
    return { text, code: exit.code };
  }

  close(): void {
    this.socket.close();
  }
}

function get(
  server: LabServer,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Buffer; headers: Record<string, unknown> }> {
  const { host, port } = server.address;
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, headers, method: "GET" }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

async function demoLab(): Promise<{ server: LabServer; assets: string }> {
  const assets = mkdtempSync(join(tmpdir(), "weblab-assets-"));
  execFileSync("mkdir", ["-p", join(assets, "assets")]);
  writeFileSync(join(assets, "index.html"), "<!doctype html><title>lab</title>");
  writeFileSync(join(assets, "assets", "app.js"), "console.log('lab')");
  writeFileSync(join(assets, "secret.txt"), "not an asset");
  const created = WebLab.create({
    text: readFileSync(join(projectRoot, "examples", "internet.yml"), "utf8"),
    file: "examples/internet.yml",
    script: DEMO_SCRIPT,
  });
  assert.ok(created.ok, created.ok ? "" : created.error);
  await created.value.start();
  const server = await startLabServer({ lab: created.value, assets });
  return { server, assets };
}

describe("web lab server: the demo network", () => {
  let server: LabServer;
  let assets: string;
  let page: Page;

  before(async () => {
    ({ server, assets } = await demoLab());
    page = await Page.open(server);
  });
  after(async () => {
    page.close();
    await server.close();
    rmSync(assets, { recursive: true, force: true });
  });

  test("binds 127.0.0.1 by default, on a free port", () => {
    assert.equal(server.address.host, "127.0.0.1");
    assert.ok(server.address.port > 0);
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  test("hello has the lab and the start-up script; events follow, the whole history in order", async () => {
    const hello = await page.wait<Extract<ServerMessage, { type: "hello" }>>((m) => m.type === "hello");
    assert.equal(hello.version, 1);
    assert.equal(hello.lab.name, "internet");
    const laptop = hello.lab.nodes.find((n) => n.name === "laptop");
    assert.deepEqual(laptop?.interfaces[0].ipv4, ["192.168.1.10/24"]);
    assert.equal(laptop?.kind, "host");
    assert.equal(hello.lab.nodes.find((n) => n.name === "home-switch")?.kind, "switch");
    assert.ok(hello.lab.links.some((l) => l.a.node === "isp-core3" && l.impairments.delay === "70ms"));
    assert.deepEqual(
      hello.script.map((s) => s.command),
      DEMO_SCRIPT.map((s) => s.command),
    );
    assert.equal(hello.firstSeq, 0);
    // Every event recorded before we connected arrives.
    const total = server.lab.log.endSeq;
    while (page.events.length < total) await page.wait((m) => m.type === "events", page.messages.length);
    assert.ok(page.events.every((e, i) => e.seq === i));
    const types = new Set(page.events.map((e) => e.type));
    for (const t of [
      "frame-sent",
      "frame-received",
      "link-delivered",
      "route",
      "forward",
      "nat-translated",
      "tcp-state",
      "tcp-cc",
      "command",
    ])
      assert.ok(types.has(t as LabEvent["type"]), `an event of type ${t}`);
    const syn = page.events.find((e) => e.type === "frame-sent" && e.flags === "SYN" && e.node === "laptop");
    assert.ok(syn);
    assert.equal(syn.protocol, "tcp");
    assert.match(syn.summary, /192\.168\.1\.10:\d+ → 203\.0\.113\.10:80 \[SYN\] seq=0/);
    assert.match(syn.connection ?? "", /^192\.168\.1\.10:\d+<>203\.0\.113\.10:80$/);
    // A frame's journey: received at the switch with the id it was sent with.
    const segment = page.events.find(
      (e) => e.type === "tcp-segment" && e.node === "web1" && e.direction === "out",
    );
    assert.equal(segment?.flags, "SYN,ACK");
    const received = page.events.find((e) => e.type === "frame-received" && e.sentFrameId === syn.frameId);
    assert.equal(received?.node, "home-switch");
    // Both ends name the link the frame crossed.
    const wifi = hello.lab.links.find((l) => l.a.node === "laptop" && l.b.node === "home-switch");
    assert.ok(wifi && syn.link === wifi.id && received.link === wifi.id);
    // The congestion window, for the plots.
    const cc = page.events.filter((e) => e.type === "tcp-cc" && e.connection === syn.connection);
    assert.ok(cc.length > 0 && cc.every((e) => (e.values?.cwnd ?? 0) > 0));
    assert.ok(page.events.some((e) => e.type === "frame-sent" && e.protocol === "icmp"));
    assert.ok(page.events.some((e) => e.type === "frame-sent" && e.protocol === "arp"));
    assert.ok(page.events.some((e) => e.type === "frame-sent" && e.protocol === "http"));
  });

  test("get-packet opens the SYN: layers with OSI places and fields with frame offsets; what each device did", async () => {
    const syn = page.events.find((e) => e.type === "frame-sent" && e.flags === "SYN" && e.node === "laptop");
    assert.ok(syn?.frameId !== undefined);
    const packet = await page.ask<PacketMessage>({ type: "get-packet", frameId: syn.frameId });
    assert.equal(packet.type, "packet");
    assert.equal(packet.bytes.length, packet.length * 2);
    assert.deepEqual(
      packet.layers.map((l) => l.layer),
      ["ethernet", "ipv4", "tcp"],
    );
    const tcp = packet.layers[2];
    assert.equal(tcp.osi, "4 Transport");
    assert.equal(tcp.tcpip, "Transport");
    assert.equal(tcp.offset, 34);
    const port = tcp.fields.find((f) => f.name === "Destination Port");
    assert.deepEqual([port?.value, port?.offset, port?.length], ["80", 36, 2]);
    // The offsets point at the bytes: the destination port in the hex is 0x0050.
    assert.equal(packet.bytes.slice(36 * 2, 38 * 2), "0050");
    const flags = tcp.fields.find((f) => f.name === "Control Bits");
    assert.ok(flags?.children?.some((c) => /SYN/i.test(c.name)));
    const ttl = packet.layers[1].fields.find((f) => f.name === "Time to Live");
    assert.deepEqual([ttl?.value, ttl?.offset], ["64", 22]);
    // At each device: the route chosen, NAT's rewrite, the TTL decremented, hop after hop to web1.
    const kinds = (node: string) => packet.atDevice.filter((a) => a.node === node).map((a) => a.kind);
    assert.ok(kinds("laptop").includes("route"));
    assert.ok(kinds("home-router").includes("nat"));
    assert.ok(kinds("home-router").includes("forward"));
    assert.ok(kinds("isp-core3").includes("forward"));
    assert.ok(kinds("web1").includes("received"));
    assert.ok(packet.atDevice.some((a) => a.node === "home-router" && /TTL/.test(a.what)));
    // The packet as it left the NAT: another frame, with the public source address and TTL 63.
    const out = packet.atDevice.find((a) => a.node === "home-router" && a.kind === "sent");
    assert.ok(out?.frameId !== undefined && out.frameId !== syn.frameId);
    const after = await page.ask<PacketMessage>({ type: "get-packet", frameId: out.frameId });
    const ip = after.layers.find((l) => l.layer === "ipv4");
    assert.equal(ip?.fields.find((f) => f.name === "Source Address")?.value, "198.51.100.2");
    assert.equal(ip?.fields.find((f) => f.name === "Time to Live")?.value, "63");

    const missing = await page.ask<Extract<ServerMessage, { type: "error" }>>({
      type: "get-packet",
      frameId: 99_999_999,
    });
    assert.equal(missing.type, "error");
    assert.match(missing.message, /not kept/);
  });

  test("a terminal runs the lab's shell on its node: ping streams its replies, time runs for it", async () => {
    const before = server.lab.time;
    page.send({ type: "shell-open", session: "t1", node: "laptop" });
    const { text, code } = await page.shell("t1", "ping -c 2 web1");
    assert.equal(code, 0);
    assert.match(text, /64 bytes from 203\.0\.113\.10: icmp_seq=1/);
    assert.match(text, /64 bytes from 203\.0\.113\.10: icmp_seq=2/);
    assert.match(text, /2 packets transmitted, 2 received/);
    assert.ok(server.lab.time > before);
    // Its events stream too, and the command that caused them is one.
    await page.wait(
      (m) =>
        m.type === "events" &&
        m.events.some((e) => e.type === "command" && e.summary === "laptop ping -c 2 web1"),
    );
    // A lab-wide command on a node's terminal runs lab-wide; a mistake is a usage error.
    assert.match((await page.shell("t1", "links")).text, /laptop/);
    const wrong = await page.shell("t1", "pnig web1");
    assert.equal(wrong.code, 2);
    assert.match(wrong.text, /did you mean "ping"/);
    // exit never reaches the shared shell.
    assert.equal((await page.shell("t1", "exit")).code, 2);
    assert.equal(server.lab.shell.exited, false);
    const completions = await page.ask<Extract<ServerMessage, { type: "completions" }>>({
      type: "shell-complete",
      session: "t1",
      line: "pi",
    });
    assert.ok(completions.candidates.includes("ping"));
    assert.equal(completions.start, 0);
  });

  test("Ctrl-C (shell-interrupt) stops a long command; the lab goes on", async () => {
    page.send({ type: "shell-open", session: "long", node: "phone" });
    const from = page.messages.length;
    const exit = page.ask<Extract<ServerMessage, { type: "shell-exit" }>>({
      type: "shell-input",
      session: "long",
      line: "ping -c 1000000 web1",
    });
    await page.wait(
      (m) => m.type === "shell-output" && m.session === "long" && /icmp_seq=2/.test(m.text),
      from,
    );
    // The downloads do not wait for the command.
    assert.equal((await get(server, "/capture.pcapng")).status, 200);
    page.send({ type: "shell-interrupt", session: "long" });
    await exit;
    const transmitted = page.messages
      .slice(from)
      .filter((m) => m.type === "shell-output" && m.session === "long" && /icmp_seq=/.test(m.text)).length;
    assert.ok(transmitted < 1000, `${transmitted} replies before the interrupt`);
    // The queue moves on: the next command runs.
    assert.equal((await page.shell("long", "ping -c 1 web1")).code, 0);
  });

  test("invalid, oversized and unknown messages get errors and are counted; the server carries on", async () => {
    const before = server.stats.invalidMessages;
    const replies: Promise<ServerMessage>[] = [];
    const bad = [
      "{",
      "[]",
      JSON.stringify({ type: "exec", command: "cat /etc/passwd" }),
      JSON.stringify({ type: "shell-input", session: "t1", line: "x".repeat(20_000) }),
      JSON.stringify({ type: "get-packet", frameId: "1; DROP" }),
    ];
    for (const text of bad) {
      const from = page.messages.length;
      page.send(text);
      replies.push(page.wait((m) => m.type === "error", from));
      await replies.at(-1);
    }
    assert.equal(server.stats.invalidMessages - before, bad.length);
    const unknownTerminal = await page.ask<Extract<ServerMessage, { type: "error" }>>({
      type: "shell-input",
      session: "nope",
      line: "ping web1",
    });
    assert.match(unknownTerminal.message, /shell-open first/);

    // A few hundred random messages, some shaped like real ones: each gets at most an error.
    const samples = fc.sample(
      fc.oneof(
        fc.string({ maxLength: 200 }),
        fc.json({ maxDepth: 3 }),
        fc.record({
          type: fc.constantFrom(
            "get-packet",
            "shell-open",
            "edit-link",
            "link-state",
            "add-host",
            "run",
            "shell-complete",
          ),
          frameId: fc.oneof(fc.integer(), fc.string()),
          session: fc.string({ maxLength: 70 }),
          link: fc.string({ maxLength: 10 }),
          up: fc.anything(),
          duration: fc.oneof(fc.integer(), fc.double()),
          impairments: fc.dictionary(
            fc.string({ maxLength: 8 }),
            fc.oneof(fc.string({ maxLength: 8 }), fc.integer()),
          ),
        }),
      ),
      { numRuns: 300, seed: 42 },
    );
    for (const sample of samples) page.send(typeof sample === "string" ? sample : JSON.stringify(sample));
    const alive = await page.ask<PacketMessage>({ type: "get-packet", frameId: 1 });
    assert.equal(alive.type, "packet");
    assert.ok(server.stats.invalidMessages - before >= samples.length * 0.9);
    assert.equal(server.lab.shell.exited, false);
  });

  test("only the page, its assets and the two downloads are served; no path leaves the assets", async () => {
    assert.equal((await get(server, "/")).status, 200);
    const app = await get(server, "/assets/app.js");
    assert.equal(app.status, 200);
    assert.match(String(app.headers["content-type"]), /javascript/);
    for (const path of [
      "/assets/../secret.txt",
      "/assets/%2e%2e/secret.txt",
      "/assets/..%2fsecret.txt",
      "/assets/%2e%2e%2f%2e%2e%2fpackage.json",
      "/assets/..\\secret.txt",
      "/assets//etc/passwd",
      "/assets/%00",
      "/secret.txt",
      "/etc/passwd",
      "/package.json",
    ]) {
      const response = await get(server, path);
      assert.equal(response.status, 404, path);
      assert.doesNotMatch(response.body.toString(), /not an asset|root:|"name"/, path);
    }
    // Reading only.
    const { host, port } = server.address;
    const post = await new Promise<number>((resolve, reject) => {
      const req = request({ host, port, path: "/topology.yml", method: "POST" }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end("name: x");
    });
    assert.equal(post, 405);
    // DNS rebinding: a foreign Host header is refused.
    assert.equal((await get(server, "/", { host: "attacker.example:80" })).status, 403);
  });

  test("a WebSocket from another origin is refused", async () => {
    await assert.rejects(Page.open(server, { origin: "http://attacker.example" }));
    const own = await Page.open(server, { origin: server.url.replace(/\/$/, "") });
    own.close();
  });

  test("/capture.pcapng: one interface per node:interface, and tshark finds nothing malformed", async (t) => {
    const response = await get(server, "/capture.pcapng");
    assert.equal(response.status, 200);
    assert.equal(response.body.readUInt32LE(0), 0x0a0d0d0a);
    if (!needSystem(t, "tshark", hasCommand("tshark"))) return;
    const dir = mkdtempSync(join(tmpdir(), "weblab-pcap-"));
    try {
      const file = join(dir, "lab.pcapng");
      writeFileSync(file, response.body);
      // The same segment is captured at every hop: reassembly across hops would only see "overlaps".
      const options = ["-o", "tcp.desegment_tcp_streams:FALSE", "-r", file];
      const all = execFileSync("tshark", [...options, "-T", "fields", "-e", "frame.interface_name"], {
        encoding: "utf8",
      });
      const interfaces = new Set(all.trim().split("\n"));
      assert.ok(interfaces.has("laptop:eth0") && interfaces.has("web1:eth0"));
      const bad = execFileSync(
        "tshark",
        [...options, "-Y", "_ws.malformed || _ws.expert.severity == error"],
        {
          encoding: "utf8",
        },
      );
      assert.equal(bad.trim(), "");
      const syns = execFileSync("tshark", [...options, "-Y", "tcp.flags.syn == 1 && tcp.flags.ack == 0"], {
        encoding: "utf8",
      });
      assert.ok(syns.trim().split("\n").length >= 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("web lab server: edits (examples/lan.yml)", () => {
  let server: LabServer;
  let page: Page;

  before(async () => {
    const created = WebLab.create({
      text: readFileSync(join(projectRoot, "examples", "lan.yml"), "utf8"),
      file: "examples/lan.yml",
      script: [],
    });
    assert.ok(created.ok);
    server = await startLabServer({ lab: created.value, assets: join(tmpdir(), "no-such-assets") });
    page = await Page.open(server);
    page.send({ type: "shell-open", session: "h1", node: "h1" });
  });
  after(async () => {
    page.close();
    await server.close();
  });

  test("without a built page, / says how to build it", async () => {
    const response = await get(server, "/");
    assert.equal(response.status, 503);
    assert.match(response.body.toString(), /build/);
  });

  test("an impairment change answers with lab-changed; a bad value with an error", async () => {
    const hello = await page.wait<Extract<ServerMessage, { type: "hello" }>>((m) => m.type === "hello");
    const link = hello.lab.links.find((l) => l.a.node === "h1" || l.b.node === "h1");
    assert.ok(link);
    const changed = await page.ask<Extract<ServerMessage, { type: "lab-changed" }>>({
      type: "edit-link",
      link: link.id,
      impairments: { delay: "50ms", loss: "" },
    });
    assert.equal(changed.type, "lab-changed");
    assert.equal(changed.lab.links.find((l) => l.id === link.id)?.impairments.delay, "50ms");
    // The new delay is real: the round trip to srv now takes over 100 ms.
    const { text } = await page.shell("h1", "ping -c 1 srv");
    const rtt = Number(/time=([\d.]+) ms/.exec(text)?.[1]);
    assert.ok(rtt > 100, text);
    const bad = await page.ask<Extract<ServerMessage, { type: "error" }>>({
      type: "edit-link",
      link: link.id,
      impairments: { rate: "fast" },
    });
    assert.equal(bad.type, "error");
    assert.equal(bad.request, "edit-link");
    const none = await page.ask<Extract<ServerMessage, { type: "error" }>>({
      type: "link-state",
      link: "link99",
      up: false,
    });
    assert.match(none.message, /no link/);
  });

  test("a lossy link drops frames: drop events on the link, with the frame and where it left", async () => {
    const hello = await page.wait<Extract<ServerMessage, { type: "hello" }>>((m) => m.type === "hello");
    const link = hello.lab.links.find((l) => l.a.node === "h3" || l.b.node === "h3")!;
    await page.ask({ type: "edit-link", link: link.id, impairments: { loss: "100%" } });
    page.send({ type: "shell-open", session: "h2", node: "h2" });
    const from = page.events.length;
    assert.equal((await page.shell("h2", "ping -c 1 -W 1 h3")).code, 1);
    await page.ask({ type: "edit-link", link: link.id, impairments: { loss: "" } });
    const drops = page.events.slice(from).filter((e) => e.type === "drop" && e.link === link.id);
    assert.ok(drops.length > 0);
    assert.ok(drops.every((d) => d.frameId !== undefined && d.node !== undefined && /loss/.test(d.summary)));
    assert.equal((await page.shell("h2", "ping -c 1 h3")).code, 0);
  });

  test("a link taken down stops the pings; brought up, they pass again", async () => {
    const hello = await page.wait<Extract<ServerMessage, { type: "hello" }>>((m) => m.type === "hello");
    const link = hello.lab.links.find((l) => l.a.node === "srv" || l.b.node === "srv")!;
    const down = await page.ask<Extract<ServerMessage, { type: "lab-changed" }>>({
      type: "link-state",
      link: link.id,
      up: false,
    });
    assert.equal(down.lab.links.find((l) => l.id === link.id)?.up, false);
    const failed = await page.shell("h1", "ping -c 2 -W 1 srv");
    assert.equal(failed.code, 1);
    assert.match(failed.text, /100% packet loss/);
    await page.ask({ type: "link-state", link: link.id, up: true });
    assert.equal((await page.shell("h1", "ping -c 1 srv")).code, 0);
    assert.ok(
      page.events.some((e) => e.type === "link-state" && e.link === link.id) ||
        server.lab.log.slice(0, 1e6).some((e) => e.type === "link-state"),
    );
  });

  test("an added host gets an address on the switch's LAN and can ping", async () => {
    const changed = await page.ask<Extract<ServerMessage, { type: "lab-changed" }>>({
      type: "add-host",
      name: "guest",
      attachTo: { node: "s1" },
    });
    assert.equal(changed.type, "lab-changed");
    const guest = changed.lab.nodes.find((n) => n.name === "guest");
    assert.match(guest?.interfaces[0].ipv4[0] ?? "", /^10\.0\.1\.\d+\/24$/);
    assert.ok(changed.lab.links.some((l) => l.a.node === "guest" && l.b.node === "s1"));
    page.send({ type: "shell-open", session: "g", node: "guest" });
    const { text, code } = await page.shell("g", "ping -c 1 srv");
    assert.equal(code, 0, text);
    const duplicate = await page.ask<Extract<ServerMessage, { type: "error" }>>({
      type: "add-host",
      name: "guest",
      attachTo: { node: "s1" },
    });
    assert.match(duplicate.message, /already exists/);
  });

  test("a host added on a router gets a subnet of its own and the router as gateway; other pages hear of it", async () => {
    const other = await Page.open(server);
    try {
      await other.wait((m) => m.type === "hello");
      const from = other.messages.length;
      const changed = await page.ask<Extract<ServerMessage, { type: "lab-changed" }>>({
        type: "add-host",
        name: "lab2",
        attachTo: { node: "r1" },
      });
      const lab2 = changed.lab.nodes.find((n) => n.name === "lab2");
      const r1 = changed.lab.nodes.find((n) => n.name === "r1");
      const address = lab2?.interfaces[0].ipv4[0] ?? "";
      assert.match(address, /^10\.0\.\d+\.\d+\/24$/);
      assert.ok(!address.startsWith("10.0.1."), "a subnet of its own");
      assert.equal(lab2?.gateway, r1?.interfaces.find((i) => i.name !== "eth0")?.ipv4[0]?.split("/")[0]);
      // The other page learns of the change (without a replyTo: it did not ask).
      const heard = await other.wait<Extract<ServerMessage, { type: "lab-changed" }>>(
        (m) => m.type === "lab-changed",
        from,
      );
      assert.ok(heard.lab.nodes.some((n) => n.name === "lab2"));
      assert.equal(heard.replyTo, undefined);
      page.send({ type: "shell-open", session: "l2", node: "lab2" });
      assert.equal((await page.shell("l2", "ping -c 1 h1")).code, 0);
      // Refused: attaching to a host, or to a node that does not exist.
      assert.match(
        (
          await page.ask<Extract<ServerMessage, { type: "error" }>>({
            type: "add-host",
            name: "x1",
            attachTo: { node: "h2" },
          })
        ).message,
        /switch or a router/,
      );
      assert.match(
        (
          await page.ask<Extract<ServerMessage, { type: "error" }>>({
            type: "add-host",
            name: "x2",
            attachTo: { node: "nope" },
          })
        ).message,
        /no node/,
      );
    } finally {
      other.close();
    }
  });

  test("/topology.yml has the edits and loads again", async () => {
    const response = await get(server, "/topology.yml");
    assert.equal(response.status, 200);
    const text = response.body.toString();
    const { topology, errors } = loadTopology(text, "edited.yml");
    assert.deepEqual(errors, []);
    assert.ok(topology?.nodes.has("guest"));
    assert.ok(topology?.nodes.has("lab2"));
    assert.ok(topology?.links.some((l) => l.a.node === "guest"));
    assert.ok(topology?.links.some((l) => l.impairments.delay === "50ms"));
    // And it builds and runs: the guest has the address it had.
    const again = WebLab.create({ text, file: "edited.yml", script: [] });
    assert.ok(again.ok, again.ok ? "" : again.error);
    await again.value.close();
  });

  test("run lets network time pass", async () => {
    const before = server.lab.time;
    const done = await page.ask<Extract<ServerMessage, { type: "run-done" }>>({
      type: "run",
      duration: 2_000_000_000,
    });
    assert.equal(done.time - before, 2_000_000_000);
  });

  test("a page cannot pile up requests: beyond the limit they are refused, the rest answered", async () => {
    const from = page.messages.length;
    const total = MAX_PENDING + 20;
    for (let id = 10_000; id < 10_000 + total; id++) page.send({ type: "run", id, duration: 1_000_000 });
    const answered = () =>
      page.messages
        .slice(from)
        .filter((m) => "replyTo" in m && m.replyTo !== undefined && m.replyTo >= 10_000);
    while (answered().length < total) await page.wait(() => true, page.messages.length);
    const refused = answered().filter((m) => m.type === "error");
    assert.ok(refused.length >= 1 && refused.length <= total - MAX_PENDING + 1, `${refused.length} refused`);
    assert.ok(refused.every((m) => m.type === "error" && /already waiting/.test(m.message)));
    assert.equal(answered().filter((m) => m.type === "run-done").length, total - refused.length);
  });
});
