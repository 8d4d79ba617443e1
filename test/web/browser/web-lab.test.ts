/**
 * The web lab in a real browser: Debian's Chromium, headless, driven by playwright-core, against
 * the lab's server started in this process on a free port.
 *
 * One page walks through the demo network the way a learner would: the graph, stepping to the
 * TCP handshake, the SYN opened in the packet inspector, a field hovered and its bytes lit in the
 * hex dump, the connection view's plots and sequence diagram, `ping` in the laptop's terminal,
 * the capture downloaded and read by tshark, and edits. A second lab of 1,000 nodes checks that a
 * big graph renders and answers panning and zooming (its frame time is printed, never asserted).
 * No console error may appear.
 *
 * Screenshots of each view go to dist/test-artifacts/web-lab/; with TINKERNET_UPDATE_SCREENSHOTS=1
 * they also replace those in docs/web-lab/ that docs/web-lab.md shows.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { DEMO_SCRIPT, WebLab } from "../../../src/web/server/lab.js";
import { type LabServer, startLabServer } from "../../../src/web/server/server.js";
import { hasCommand, needSystem, projectRoot } from "../../support/system.js";
import { bigTopology } from "./big-topology.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const artifacts = join(projectRoot, "dist", "test-artifacts", "web-lab");
const docsShots = join(projectRoot, "docs", "web-lab");
const updateDocs = process.env.TINKERNET_UPDATE_SCREENSHOTS === "1";

interface Window {
  lab: {
    graph: { cy: { nodes(): { length: number }; pan(): { x: number; y: number }; zoom(): number } };
    store: { events: { length: number } };
    player: { index: number };
  };
}

/** The page's own state, for the few checks that the DOM does not show. */
declare const window: Window;

async function shot(page: Page, name: string, selector?: string): Promise<void> {
  mkdirSync(artifacts, { recursive: true });
  const path = join(artifacts, `${name}.png`);
  if (selector) await page.locator(selector).screenshot({ path });
  else await page.screenshot({ path });
  if (updateDocs) {
    mkdirSync(docsShots, { recursive: true });
    copyFileSync(path, join(docsShots, `${name}.png`));
  }
}

describe("the web lab in Chromium", { timeout: 120_000 }, () => {
  let lab: WebLab | undefined;
  let server: LabServer | undefined;
  let context: BrowserContext | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let profile = "";
  const consoleErrors: string[] = [];
  let ready = false;

  before(async () => {
    if (!existsSync(CHROMIUM)) return;
    // The page is bundled from src/web/client (the test build compiles only the Node side).
    execFileSync(process.execPath, [join(projectRoot, "scripts", "build-web.mjs")], { stdio: "inherit" });
    const file = join(projectRoot, "examples", "internet.yml");
    const created = WebLab.create({
      text: readFileSync(file, "utf8"),
      file: "examples/internet.yml",
      script: DEMO_SCRIPT,
    });
    if (!created.ok) throw new Error(created.error);
    lab = created.value;
    server = await startLabServer({ lab });
    await lab.start();
    profile = mkdtempSync(join(tmpdir(), "tinkernet-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: ARGS,
      viewport: { width: 1280, height: 720 },
      acceptDownloads: true,
    });
    browser = context.browser() ?? undefined;
    // Helpers for reading the visible terminal from inside the page.
    await context.addInitScript(() => {
      const w = window as unknown as { rowsText(): string; lastLine(): string };
      w.rowsText = () =>
        Array.from(document.querySelectorAll(".terminal:not([hidden]) .xterm-rows > div"))
          .map((row) => (row.textContent ?? "").replace(/\u00a0/g, " ").trimEnd())
          .join("\n");
      w.lastLine = () =>
        w
          .rowsText()
          .split("\n")
          .filter((line) => line !== "")
          .at(-1) ?? "";
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => consoleErrors.push(`${error.name}: ${error.message}`));
    await page.goto(server.url);
    await page.waitForSelector("body[data-ready]");
    // The start-up script's events have all arrived.
    const total = lab.log.endSeq;
    await page.waitForFunction((n) => window.lab.store.events.length >= n, total);
    ready = true;
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
    await lab?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  test("the graph shows every device of the demo with its icon, and its addresses on hover", async (t) => {
    if (!needSystem(t, "chromium", existsSync(CHROMIUM))) return;
    assert.ok(ready);
    const nodes = lab!.snapshot().nodes.length;
    assert.equal(await page.evaluate(() => window.lab.graph.cy.nodes().length), nodes);
    assert.match((await page.locator("#node-count").textContent()) ?? "", new RegExp(`^${nodes} nodes`));
    // Hover the laptop: its interface and address appear.
    const at = await page.evaluate(() => {
      const cy = (
        window.lab.graph.cy as unknown as {
          getElementById(id: string): { renderedPosition(): { x: number; y: number } };
        }
      )
        .getElementById("laptop")
        .renderedPosition();
      const box = document.querySelector("#graph")!.getBoundingClientRect();
      return { x: box.x + cy.x, y: box.y + cy.y };
    });
    await page.mouse.move(at.x, at.y);
    await page.waitForSelector(".tooltip:not([hidden])");
    const tooltip = (await page.locator(".tooltip").textContent()) ?? "";
    assert.match(tooltip, /laptop/);
    assert.match(tooltip, /eth0/);
    assert.match(tooltip, /192\.168\.1\.10\/24/);
    await page.mouse.move(5, 700);
  });

  test("steps to the TCP handshake and opens the SYN: its fields, and their bytes lit in the hex dump", async (t) => {
    if (!needSystem(t, "chromium", existsSync(CHROMIUM))) return;
    // Steps follow the filters: TCP only, then → until the laptop sends the SYN.
    await page.selectOption('[data-filter="protocol"]', "tcp");
    let current = "";
    for (let i = 0; i < 40 && !/frame-sent .*\[SYN\]/.test(current); i++) {
      await page.keyboard.press("ArrowRight");
      current = (await page.locator("#current").textContent()) ?? "";
    }
    assert.match(current, /laptop frame-sent TCP .*\[SYN\]/);
    assert.match((await page.locator(".event-row.current").textContent()) ?? "", /frame-sent/);

    // The inspector opened the frame: Ethernet, IPv4, TCP with their places in both models.
    const tcp = page.locator(".layer-tcp");
    await tcp.waitFor();
    const places = await page.locator(".layer-place").allTextContents();
    assert.deepEqual(places, [
      "OSI 2 Data link · TCP/IP Link",
      "OSI 3 Network · TCP/IP Internet",
      "OSI 4 Transport · TCP/IP Transport",
    ]);
    const flags = tcp.locator('.field[data-name="Control Bits"]');
    assert.match((await flags.textContent()) ?? "", /SYN/);
    assert.doesNotMatch((await flags.locator(".field-value").textContent()) ?? "", /ACK/);
    const mss = tcp.locator('.field[data-name="Maximum Segment Size"]');
    assert.match((await mss.textContent()) ?? "", /1460/);
    assert.match((await tcp.locator('.field[data-name="Destination Port"]').textContent()) ?? "", /80/);

    // Hover a field: exactly its bytes light up, at its offset in the frame.
    const offset = Number(await flags.getAttribute("data-offset"));
    const length = Number(await flags.getAttribute("data-length"));
    assert.ok(offset >= 14 + 20, `the TCP flags lie after the Ethernet and IPv4 headers (${offset})`);
    await flags.hover();
    const lit = await page
      .locator(".hex-byte.lit")
      .evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.offset)));
    assert.deepEqual(
      lit,
      Array.from({ length }, (_, i) => offset + i),
    );
    // And the other way: hover a byte of the IPv4 TTL, the TTL field lights up.
    const ttl = page.locator('.layer-ipv4 .field[data-name="Time to Live"]');
    const ttlOffset = await ttl.getAttribute("data-offset");
    await page.locator(`.hex-byte[data-offset="${ttlOffset}"]`).hover();
    assert.match((await page.locator(".field.lit").textContent()) ?? "", /Time to Live/);
    // What happened at each device: sent by the laptop, translated by the home router's NAT.
    const devices = await page.locator(".at-device li").allTextContents();
    assert.ok(
      devices.some((d) => /laptop.*sent/.test(d)),
      devices.join("\n"),
    );
    await flags.hover();
    await shot(page, "overview");
    await shot(page, "inspector", "#right");

    // Step back: the cursor moves to the previous TCP event.
    const before = await page.evaluate(() => window.lab.player.index);
    await page.keyboard.press("ArrowLeft");
    assert.ok((await page.evaluate(() => window.lab.player.index)) < before);
    await page.keyboard.press("ArrowRight");
  });

  test("plays the events with moving packets, shows the help, lets network time run", async (t) => {
    if (!needSystem(t, "chromium", existsSync(CHROMIUM))) return;
    const start = await page.evaluate(() => window.lab.player.index);
    await page.keyboard.press("+");
    await page.keyboard.press("+");
    assert.equal(await page.locator("#speed").textContent(), "×16");
    await page.keyboard.press(" ");
    // While playing, frames on the wire are drawn as dots over the graph.
    await page.waitForFunction(
      () => Number(document.querySelector(".packet-layer")?.getAttribute("data-dots") ?? 0) > 0,
      null,
      {
        timeout: 10_000,
      },
    );
    await page.keyboard.press(" ");
    assert.equal(await page.locator("#play").getAttribute("data-playing"), "false");
    assert.ok((await page.evaluate(() => window.lab.player.index)) > start);
    await page.keyboard.press("-");
    await page.keyboard.press("-");
    await page.keyboard.press("?");
    await page.locator("#help-overlay").waitFor({ state: "visible" });
    assert.match((await page.locator("#help-overlay").textContent()) ?? "", /play \/ pause/);
    await page.keyboard.press("Escape");
    await page.locator("#help-overlay").waitFor({ state: "hidden" });
    await shot(page, "events", "#left");
    // "Run 1 s" lets a second of network time pass on the server.
    const before = lab!.time;
    await page.click("#run");
    for (let i = 0; i < 200 && lab!.time < before + 1e9; i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(lab!.time >= before + 1e9, `network time went from ${before} to ${lab!.time}`);
  });

  test("the connection view: a sequence diagram of the handshake and a congestion window plot with data", async (t) => {
    if (!needSystem(t, "chromium", existsSync(CHROMIUM))) return;
    await page.click('[data-tab="connection"]');
    // The laptop's download: its side of the NAT.
    const options = await page
      .locator(".connection-chooser option")
      .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    const laptops = options.filter((o) => /^192\.168\.1\.10:\d+<>203\.0\.113\.10:80$/.test(o));
    assert.equal(laptops.length, 1, options.join(", "));
    await page.selectOption(".connection-chooser", laptops[0]);
    const cwnd = page.locator(".plot-cwnd");
    await cwnd.waitFor();
    assert.ok(Number(await cwnd.getAttribute("data-points")) > 0, "the cwnd plot has points");
    assert.equal(await cwnd.locator("canvas").count(), 1);
    assert.ok(Number(await page.locator(".plot-throughput").getAttribute("data-points")) > 0);
    // The diagram: the laptop and web1 (through the NAT), SYN, SYN-ACK and ACK first.
    const labels = await page.locator(".sequence-svg .lane-label").allTextContents();
    assert.match(labels[0], /^laptop/);
    assert.match(labels[1], /^web1/);
    const segments = await page.locator(".sequence-svg .segment-label").allTextContents();
    assert.match(segments[0], /^SYN seq=0/);
    assert.match(segments[1], /^SYN, ACK seq=0 ack=1/);
    assert.match(segments[2], /^ACK seq=1 ack=1/);
    assert.ok(
      segments.some((s) => /^FIN/.test(s)),
      "the teardown is drawn",
    );
    await shot(page, "connection", "#right");
    await cwnd.scrollIntoViewIfNeeded();
    await shot(page, "connection-plots", "#right");
  });

  test("a terminal on the laptop runs ping and shows the replies", async (t) => {
    if (!needSystem(t, "chromium", existsSync(CHROMIUM))) return;
    await page.click('[data-tab="terminal"]');
    await page.selectOption(".terminal-node", "laptop");
    const terminal = page.locator('.terminal[data-node="laptop"]');
    await terminal.locator(".xterm-rows").waitFor();
    await page.waitForFunction(() => lastLine() === "laptop$");
    await terminal.click();
    // Tab completion from the server's shell.
    await page.keyboard.type("pin");
    await page.keyboard.press("Tab");
    await page.waitForFunction(() => lastLine() === "laptop$ ping");
    await page.keyboard.type("-c 2 web1");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => /2 packets transmitted, 2 received/.test(rowsText()), null, {
      timeout: 20_000,
    });
    const text = await page.evaluate(() => rowsText());
    assert.match(text, /64 bytes from 203\.0\.113\.10: icmp_seq=1 ttl=\d+ time=/);
    assert.match(text, /64 bytes from 203\.0\.113\.10: icmp_seq=2/);
    // History: ↑ brings the line back.
    await page.waitForFunction(() => lastLine() === "laptop$");
    await page.keyboard.press("ArrowUp");
    await page.waitForFunction(() => lastLine() === "laptop$ ping -c 2 web1");
    await page.keyboard.press("Control+U");
    await shot(page, "terminal", "#right");
    // The ping's frames reached the page's event list.
    assert.ok((await page.evaluate(() => window.lab.store.events.length)) > 0);
  });

  test("edits a link, takes it down and up, adds a host", async (t) => {
    if (!needSystem(t, "chromium", existsSync(CHROMIUM))) return;
    await page.click('[data-tab="edit"]');
    const link = lab!.snapshot().links.find((l) => l.a.node === "laptop" || l.b.node === "laptop")!;
    await page.selectOption(".link-chooser", link.id);
    await page.fill('.link-form input[name="loss"]', "5%");
    await page.fill('.link-form input[name="delay"]', "3ms");
    await page.click('.link-form button[type="submit"]');
    await page.waitForFunction(() =>
      /applied/.test(document.querySelector(".edit-status")?.textContent ?? ""),
    );
    const edited = lab!.snapshot().links.find((l) => l.id === link.id)!;
    assert.equal(edited.impairments.loss, "5%");
    assert.equal(edited.impairments.delay, "3ms");
    await page.click(".link-state");
    await page.waitForFunction(() => /down/.test(document.querySelector(".edit-status")?.textContent ?? ""));
    assert.equal(lab!.snapshot().links.find((l) => l.id === link.id)!.up, false);
    await page.click(".link-state");
    await page.waitForFunction(() =>
      /Link up/.test(document.querySelector(".edit-status")?.textContent ?? ""),
    );
    assert.equal(lab!.snapshot().links.find((l) => l.id === link.id)!.up, true);
    await page.fill('.host-form input[name="name"]', "guest");
    await page.selectOption(".attach-chooser", "home-switch");
    await page.click('.host-form button[type="submit"]');
    await page.waitForFunction(() =>
      /guest added/.test(document.querySelector(".edit-status")?.textContent ?? ""),
    );
    await page.waitForFunction(
      () =>
        (window.lab.graph.cy as unknown as { getElementById(id: string): { length: number } }).getElementById(
          "guest",
        ).length === 1,
    );
    await shot(page, "edit", "#right");
  });

  test("over the lossy link, a download's diagram shows its losses and retransmissions", async (t) => {
    if (!needSystem(t, "chromium", existsSync(CHROMIUM))) return;
    // The laptop's link loses 5% of frames (set above); 200 kB is about 140 segments.
    await page.click('[data-tab="terminal"]');
    await page.locator('.terminal[data-node="laptop"]').click();
    await page.keyboard.type("curl -s -o /dev/null http://web1/bytes/200000");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => lastLine() === "laptop$", null, { timeout: 30_000 });
    await page.click('[data-tab="connection"]');
    const options = await page
      .locator(".connection-chooser option")
      .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    const laptops = options.filter((o) => /^192\.168\.1\.10:\d+<>203\.0\.113\.10:80$/.test(o));
    assert.equal(laptops.length, 2, options.join(", "));
    const first = lab!.log
      .slice(0, 1_000_000)
      .find((e) => e.connection === laptops[0] || e.connection === laptops[1]);
    const download = laptops.find((c) => c !== first?.connection)!;
    await page.selectOption(".connection-chooser", download);
    assert.ok(
      (await page.locator(".sequence-svg .segment-retransmission").count()) > 0,
      "retransmissions are drawn",
    );
    assert.ok(
      (await page.locator(".sequence-svg .segment.lost").count()) > 0,
      "lost segments end with a cross",
    );
    assert.ok(Number(await page.locator(".plot-cwnd").getAttribute("data-points")) > 0);
    await page.locator(".sequence-svg .segment-retransmission").first().scrollIntoViewIfNeeded();
    await shot(page, "connection-loss", "#right");
    // A long connection is drawn a page of 400 segments at a time.
    const total = Number(await page.locator(".sequence-svg").getAttribute("data-segments"));
    assert.ok(total > 400, `${total} segments`);
    assert.match(
      (await page.locator(".pager").textContent()) ?? "",
      new RegExp(`segments 1–400 of ${total}`),
    );
    await page.click(".pager .later");
    assert.match(
      (await page.locator(".pager").textContent()) ?? "",
      new RegExp(`segments 401–${Math.min(800, total)} of ${total}`),
    );
    assert.ok((await page.locator(".sequence-svg .segment").count()) > 0);
  });

  test("downloads the capture as pcapng, which tshark reads without a malformed packet", async (t) => {
    if (!needSystem(t, "chromium", existsSync(CHROMIUM))) return;
    if (!needSystem(t, "tshark", hasCommand("tshark"))) return;
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-pcapng")]);
    const file = join(profile, "capture.pcapng");
    await download.saveAs(file);
    // Every hop's copy of a segment is in the capture (one interface per node:interface): TCP
    // reassembly across hops would only report overlaps, so it is off.
    const tshark = (...args: string[]) =>
      execFileSync("tshark", ["-o", "tcp.desegment_tcp_streams:FALSE", "-r", file, ...args], {
        encoding: "utf8",
      });
    const packets = tshark("-T", "fields", "-e", "frame.number").trim().split("\n").length;
    assert.ok(packets > 100, `${packets} packets`);
    const malformed = tshark("-Y", "_ws.malformed || _ws.expert.severity == error");
    assert.equal(malformed.trim(), "", "no malformed packets");
    const syn = tshark("-Y", "tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.options.mss_val == 1460");
    assert.notEqual(syn.trim(), "", "the SYN with its MSS option is in the capture");
    const [yaml] = await Promise.all([page.waitForEvent("download"), page.click("#download-yaml")]);
    const yamlFile = join(profile, "topology.yml");
    await yaml.saveAs(yamlFile);
    assert.match(readFileSync(yamlFile, "utf8"), /guest/);
  });

  test("a lab of 1,000 nodes renders and answers panning and zooming; 100,000 events stay a short list", async (t) => {
    if (!needSystem(t, "chromium", existsSync(CHROMIUM))) return;
    const created = WebLab.create({ text: bigTopology(), file: "big.yml", script: [] });
    if (!created.ok) throw new Error(created.error);
    const big = created.value;
    const bigServer = await startLabServer({ lab: big });
    try {
      await big.start();
      await page.goto(bigServer.url);
      await page.waitForSelector("body[data-ready]");
      await page.waitForFunction(() => window.lab.graph.cy.nodes().length === 1000);
      await page.waitForFunction(() =>
        /^1000 nodes, 1000 links/.test(document.querySelector("#node-count")?.textContent ?? ""),
      );
      // Frame times while panning and zooming, measured in the page with requestAnimationFrame.
      await startFrames(page);
      const before = await page.evaluate(() => ({
        pan: window.lab.graph.cy.pan(),
        zoom: window.lab.graph.cy.zoom(),
      }));
      const box = (await page.locator("#graph").boundingBox())!;
      const cx = box.x + box.width / 2;
      const cy = box.y + box.height / 2;
      for (let round = 0; round < 3; round++) {
        await page.mouse.move(cx, cy);
        await page.mouse.down();
        for (let i = 1; i <= 20; i++) await page.mouse.move(cx + i * 8, cy + i * 4);
        await page.mouse.up();
        for (let i = 0; i < 10; i++) await page.mouse.wheel(0, i < 5 ? -120 : 100);
      }
      const after = await page.evaluate(() => ({
        pan: window.lab.graph.cy.pan(),
        zoom: window.lab.graph.cy.zoom(),
      }));
      assert.notDeepEqual(after.pan, before.pan, "the graph panned");
      assert.notEqual(after.zoom, before.zoom, "the graph zoomed");
      const frames = await stopFrames(page, "pan-zoom-1000-nodes");
      assert.ok(frames.length > 10, "frames were drawn while panning and zooming");
      // The event list stays virtualised: 100,000 events (made up here, as the server would send
      // them), a few dozen rows in the document, and the last one reached by scrolling.
      await page.evaluate(() => {
        const events = Array.from({ length: 100_000 }, (_, i) => ({
          seq: i,
          time: i * 1000,
          type: "frame-sent",
          node: `h${i % 20}-0`,
          iface: "eth0",
          protocol: i % 2 === 0 ? "icmp" : "udp",
          summary: `made-up event ${i}`,
        }));
        (window.lab as unknown as { receive(m: unknown): void }).receive({
          type: "events",
          events,
          time: 100_000_000,
        });
      });
      await page.waitForFunction(() =>
        /^100,000 of 100,000 events/.test(document.querySelector(".event-count")?.textContent ?? ""),
      );
      assert.ok((await page.locator(".event-row").count()) < 100, "only the rows in view exist");
      // Scrolling through them with the wheel (frame times printed, not asserted), then to the end.
      const list = (await page.locator(".event-viewport").boundingBox())!;
      await page.mouse.move(list.x + list.width / 2, list.y + list.height / 2);
      await startFrames(page);
      for (let i = 0; i < 30; i++) await page.mouse.wheel(0, 400);
      assert.ok((await stopFrames(page, "scroll-100k-events")).length > 10);
      await page.locator(".event-viewport").evaluate((v) => {
        v.scrollTop = v.scrollHeight;
      });
      await page.waitForSelector('.event-row[data-seq="99999"]');
      await page.fill(".event-search", "made-up event 99998");
      await page.waitForFunction(() =>
        /^1 of 100,000 events/.test(document.querySelector(".event-count")?.textContent ?? ""),
      );
      await page.fill(".event-search", "");
      await page.locator("#graph").click({ position: { x: 5, y: 5 } });
      await page.keyboard.press("?");
      await page.locator("#help-overlay").waitFor({ state: "visible" });
      await page.keyboard.press("Escape");
      await shot(page, "big");
    } finally {
      await bigServer.close();
      await big.close();
    }
  });

  test("no console errors", async (t) => {
    if (!needSystem(t, "chromium", existsSync(CHROMIUM))) return;
    assert.deepEqual(consoleErrors, []);
  });
});

/** Starts recording the page's frame times (requestAnimationFrame deltas). */
async function startFrames(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { frames: number[]; measuring: boolean };
    w.frames = [];
    w.measuring = true;
    let last = performance.now();
    const tick = (now: number) => {
      w.frames.push(now - last);
      last = now;
      if (w.measuring) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

/** Stops recording; prints the median, 95th percentile and slowest frame as a JSON line. */
async function stopFrames(page: Page, name: string): Promise<number[]> {
  const frames = await page.evaluate(() => {
    const w = window as unknown as { frames: number[]; measuring: boolean };
    w.measuring = false;
    return w.frames.slice(1).sort((a, b) => a - b);
  });
  const q = (p: number) => Math.round(frames[Math.floor(p * (frames.length - 1))] * 10) / 10;
  console.log(
    JSON.stringify({
      suite: "web",
      name,
      frames: frames.length,
      medianMs: q(0.5),
      p95Ms: q(0.95),
      maxMs: q(1),
    }),
  );
  return frames;
}

/** The text of the visible terminal's rows, a line each, and its last line with text (in the page). */
declare function rowsText(): string;
declare function lastLine(): string;
