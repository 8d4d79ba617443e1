/**
 * `tinkernet demo`: the Internet from the textbook, built from examples/internet.yml, and a
 * narrated tour of it. Each step is what a learner would type in the shell (the same commands,
 * run by the same shell engine, so `--interactive` can repeat them), followed by the exchange as a
 * sequence diagram and one packet of it layer by layer:
 *
 *  1. ARP on the home LAN: the laptop asks who has the phone's address;
 *  2. ping across the world, and to the edge data center nearby;
 *  3. traceroute: every router on the way, the submarine cable in the jump of the times;
 *  4. TCP: the three-way handshake segment by segment, an HTTP request and its data, the teardown;
 *  5. NAT: the home router gives the whole home one public address;
 *  6. an HTTP download from far away and from the edge data center;
 *  7. UDP over a lossy cable (lost datagrams stay lost), then TCP over the same cable (it resends);
 *  8. an IPv6-only phone reaches the IPv4-only web1 through NAT64 and DNS64.
 *
 * Platform-neutral: output goes to a {@link ShellOutput}, the capture to a {@link ByteSink}, files
 * (curl -o) through a {@link ShellFileSystem}. Virtual time and the seed make the whole tour, text
 * and capture, the same byte for byte on every run with the same seed.
 */
import { startLabServices } from "../apps/lab-services.js";
import type { Network } from "../devices/network.js";
import { defaultCommands } from "../shell/commands/index.js";
import { VirtualDriver } from "../shell/driver.js";
import { MemoryFileSystem, makeStyle, type ShellFileSystem, type ShellOutput } from "../shell/io.js";
import { Shell } from "../shell/shell.js";
import { type BuiltLab, buildNetwork } from "../topology/build.js";
import type { TopologySpec } from "../topology/model.js";
import type { ByteSink } from "../trace/capture.js";
import type { TraceEvent } from "../trace/events.js";
import {
  type Capture,
  type ExchangeProtocol,
  layersView,
  type SequenceDiagramOptions,
  sequenceDiagram,
  startCapture,
} from "../trace/views/index.js";

export interface DemoOptions {
  /** The textbook Internet, loaded from examples/internet.yml. */
  topology: TopologySpec;
  /** Seed of every random choice: TCP's initial sequence numbers, ports, which packets a lossy link loses (default 1). */
  seed?: number;
  /** Where the narration and the commands' output go. */
  out: ShellOutput;
  /** Where the pcapng capture goes (the laptop's interface), if anywhere. */
  capture?: ByteSink;
  /** Files for `curl -o` (default: in memory). */
  fs?: ShellFileSystem;
  /** Bold headings and the shell's colours (default off). */
  color?: boolean;
  /**
   * Print only these steps (1-8) of the tour; the others still run, silently, so each step finds
   * the network as the whole tour leaves it (the lessons in docs/learn/ show one step at a time).
   */
  steps?: readonly number[];
}

/** The steps of the tour, by number. */
export const DEMO_STEPS = [
  "Finding a neighbour: ARP on the home LAN",
  "Across the world: ping",
  "The path: traceroute",
  "TCP: handshake, data, teardown",
  "NAT: one address for the whole home",
  "A download: far away, and from the edge",
  "Loss: UDP does not care, TCP does",
  "IPv6 only: a phone on a mobile network",
] as const;

/** Output that can be shut while steps nobody asked for run. */
class GatedOutput implements ShellOutput {
  open = true;
  constructor(private readonly inner: ShellOutput) {}
  get isTTY(): boolean | undefined {
    return this.inner.isTTY;
  }
  write(text: string): void {
    if (this.open) this.inner.write(text);
  }
  writeBytes(bytes: Uint8Array): void {
    if (!this.open) return;
    if (this.inner.writeBytes) this.inner.writeBytes(bytes);
    else this.inner.write(new TextDecoder().decode(bytes));
  }
}

export interface DemoResult {
  lab: BuiltLab;
  /** The shell the tour ran in: `--interactive` carries on in it. */
  shell: Shell;
  /** Commands of the tour that failed (0 on a healthy run). */
  failures: number;
  /** Frames written to the capture. */
  capturedFrames: number;
}

/**
 * Where the capture listens: everything the laptop's network card saw, and the phone on the mobile
 * network (IPv6: its router advertisements, neighbour discovery, MLD reports, DNS and TCP). No
 * packet crosses both, which matters: the same packets captured at two places in one file would
 * look like retransmissions to Wireshark.
 */
export const DEMO_CAPTURE_POINTS = ["laptop:eth0", "mobile:eth0"];

/** The cable under the ocean, where the tour makes packets get lost. */
const SUBMARINE_CABLE = ["isp-core3", "far-core1"] as const;

type FrameTraceEvent = Extract<TraceEvent, { type: "frame-sent" | "frame-received" }>;

/** Runs the tour. Throws only when the topology does not build (a broken examples/internet.yml). */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const seed = options.seed ?? 1;
  const { lab, errors } = buildNetwork(options.topology, { seed });
  if (!lab) throw new Error(`the demo's network does not build: ${errors.map(String).join("; ")}`);
  const network = lab.network;
  // The file's services (the mobile gateway's DNS server), as `tinkernet run` starts them.
  startLabServices(network, options.topology);
  const out = new GatedOutput(options.out);
  const style = makeStyle(options.color ?? false);
  const shell = new Shell({
    network,
    topology: options.topology,
    driver: new VirtualDriver(network.scheduler),
    out,
    fs: options.fs ?? new MemoryFileSystem(),
    color: options.color ?? false,
    commands: defaultCommands(),
  });
  const capture: Capture | undefined = options.capture
    ? startCapture(network.tracer, DEMO_CAPTURE_POINTS, options.capture, {
        comment: `tinkernet demo --seed ${seed}: the textbook Internet (examples/internet.yml)`,
      })
    : undefined;

  const tour = new Tour(network, shell, out, style, options.steps);
  await tour.run(seed, options.capture !== undefined);
  capture?.stop();
  return { lab, shell, failures: tour.failures, capturedFrames: capture?.frames ?? 0 };
}

/** The narration, step by step. */
class Tour {
  failures = 0;
  private events: TraceEvent[] = [];

  constructor(
    private readonly network: Network,
    private readonly shell: Shell,
    private readonly out: GatedOutput,
    private readonly style: ReturnType<typeof makeStyle>,
    private readonly steps: readonly number[] | undefined,
  ) {
    // Everything since the last mark: the diagrams pick what they need (frames, drops, TCP
    // states, NAT translations).
    network.tracer.subscribe((event) => {
      this.events.push(event);
    });
  }

  private say(text = ""): void {
    this.out.write(`${text}\n`);
  }

  /** Starts step `step` of {@link DEMO_STEPS} (from 1), or the closing words (0). */
  private heading(step: number): void {
    const text = step === 0 ? "What next" : `${step}. ${DEMO_STEPS[step - 1]}`;
    this.out.open = this.steps === undefined || this.steps.includes(step);
    // A step shown alone starts the output: no blank line before it.
    if (this.steps === undefined || this.steps[0] !== step) this.say();
    this.say(this.style.bold(text));
    this.say("-".repeat(text.length));
  }

  /** Runs shell commands as if typed, counting failures. */
  private async type(...lines: string[]): Promise<void> {
    for (const line of lines) {
      this.say(this.style.dim(`tinkernet> ${line}`));
      for (const record of await this.shell.execute(line)) if (record.status !== 0) this.failures++;
    }
  }

  /** Runs a command that is meant to fail (the tour shows what cannot be done). */
  private async typeFailing(line: string): Promise<void> {
    this.say(this.style.dim(`tinkernet> ${line}`));
    for (const record of await this.shell.execute(line)) if (record.status === 0) this.failures++;
  }

  /** Forgets the events so far: the next diagram starts here. */
  private async mark(): Promise<void> {
    // What came before finishes first (a connection's last segments), so it stays out of the picture.
    await this.settle();
    this.events = [];
  }

  /** Lets network time pass (a second by default), so the last packets of an exchange arrive before it is drawn. */
  private async settle(seconds = 1): Promise<void> {
    await this.shell.driver.sleep(seconds * 1_000_000_000);
  }

  /** The exchange since the last mark, as the shell's `trace FOCUS PROTOCOL...` draws it. */
  private async diagram(
    focus: string,
    protocol: ExchangeProtocol[],
    options: SequenceDiagramOptions = {},
    settle = 1,
  ): Promise<void> {
    await this.settle(settle);
    this.say();
    this.say(`The exchange as a sequence diagram (in the shell: trace ${focus} ${protocol.join(" ")}):`);
    this.say();
    options = { ...options, focus, protocol, names: this.names() };
    this.say(sequenceDiagram(this.events, options));
  }

  /** One frame, layer by layer, times counted from the start of the network. */
  private layers(frame: FrameTraceEvent | undefined, what: string): void {
    if (!frame) return;
    this.say();
    this.say(`One packet, layer by layer: ${what}`);
    this.say();
    this.say(layersView(frame));
  }

  /** The first frame event that `test` accepts. */
  private frame(test: (e: FrameTraceEvent) => boolean): FrameTraceEvent | undefined {
    return this.events.find(
      (e): e is FrameTraceEvent => (e.type === "frame-sent" || e.type === "frame-received") && test(e),
    );
  }

  /** Address → node name, so the diagrams name every column (as the shell's `trace` does). */
  private names(): Map<string, string> {
    const names = new Map<string, string>();
    for (const node of this.network.nodes)
      for (const iface of node.interfaces)
        for (const prefix of iface.addresses) names.set(prefix.address.toString(), node.name);
    return names;
  }

  private address(node: string): string {
    return this.network.node(node).primaryAddress?.toString() ?? node;
  }

  async run(seed: number, capturing: boolean): Promise<void> {
    this.intro(seed);
    // Let the interfaces come up and announce themselves before the tour starts.
    await this.shell.driver.sleep(1_000_000_000);
    await this.arp();
    await this.ping();
    await this.traceroute();
    await this.tcp();
    await this.nat();
    await this.download();
    await this.loss();
    await this.ipv6Only();
    this.outro(capturing);
  }

  private intro(seed: number): void {
    this.out.open = this.steps === undefined;
    const a = (name: string) => this.address(name);
    this.say(this.style.bold(`tinkernet demo: the Internet in a box (seed ${seed})`));
    this.say();
    this.say("This is the network of the textbook, built from examples/internet.yml:");
    this.say();
    this.say(`  the home        laptop ${a("laptop")} and phone ${a("phone")} on Wi-Fi, home-switch,`);
    this.say(`                  home-router ${a("home-router")} (a NAT), and the access line to the ISP`);
    this.say("  the ISP         isp-edge, where customers connect, and a core of three routers");
    this.say("                  (isp-core1, isp-core2, isp-core3)");
    this.say("  the ocean       a submarine cable from isp-core3 to far-core1: 70 ms each way");
    this.say("  a second ISP    far-core1 and far-core2, on the other side of the world");
    this.say(`  a data center   dc-border, the MDF switch dc-mdf, IDF switches dc-idf1 and dc-idf2,`);
    this.say(`                  web1 ${a("web1")} and web2 in VLAN 10, db1 in VLAN 20`);
    this.say(`  an edge DC      edge-router, edge-switch and cdn1 ${a("cdn1")}, a region away`);
    this.say("  a mobile net    the phone mobile (IPv6 only) and its operator's gateway mobile-gw");
    this.say();
    this.say("Every frame is real: Ethernet, ARP, IPv4, ICMP, UDP and TCP built byte by byte by");
    this.say("tinkernet's own stack. Time is virtual, so the tour takes a moment of yours and about");
    this.say("a minute of the network's.");
  }

  private async arp(): Promise<void> {
    this.heading(1);
    this.say("The laptop wants to reach the phone. Both are on 192.168.1.0/24, so no router is");
    this.say("needed, but Ethernet delivers frames to MAC addresses, not IP addresses. The laptop");
    this.say('broadcasts an ARP request, "who has 192.168.1.11?"; every station on the LAN hears it,');
    this.say("and only the phone answers, with its MAC address. Then the ping can go.");
    this.say();
    await this.mark();
    await this.type("laptop ping -c 1 phone");
    await this.diagram("laptop", ["arp", "icmp"]);
    this.say();
    this.say("The request reached the phone and the home router (the switch floods broadcasts);");
    this.say("the reply went back to the laptop alone. The laptop keeps the answer in its ARP cache:");
    this.say();
    await this.type("laptop arp");
    this.layers(
      this.frame(
        (e) => e.type === "frame-sent" && e.node === "laptop" && e.frame[12] === 0x08 && e.frame[13] === 0x06,
      ),
      "the ARP request, as the laptop sent it",
    );
  }

  private async ping(): Promise<void> {
    this.heading(2);
    this.say("web1 is in a data center on the other side of the ocean. The laptop does not know");
    this.say("the way: it sends everything off its LAN to its default gateway, the home router,");
    this.say("and each router on the path looks the destination up in its routing table.");
    this.say();
    await this.mark();
    await this.type("laptop ping -c 3 web1");
    this.say();
    this.say("About 182 ms there and back: 70 ms each way under the ocean, the rest in the ISPs'");
    this.say("networks and the access line. The first reply took longer: every router on the way");
    this.say("had to ARP for its next hop first, as the laptop did for the phone.");
    this.layers(
      this.frame((e) => e.type === "frame-received" && e.node === "web1" && e.frame[23] === 1),
      "an echo request as it reached web1 (its TTL left the laptop as 64: each of the seven routers took one; its source is the home router's public address: NAT, step 5)",
    );
    this.say();
    this.say("The edge data center is a region away, not an ocean: content served from there");
    this.say("(a CDN) reaches the home in a fraction of the time.");
    this.say();
    await this.type("laptop ping -c 3 cdn1");
  }

  private async traceroute(): Promise<void> {
    this.heading(3);
    this.say("traceroute sends probes with TTL 1, 2, 3, ... Each router decrements the TTL; the one");
    this.say("that brings it to 0 drops the probe and answers ICMP Time Exceeded from its own");
    this.say("address. So each line is one router, in order. Watch the jump at hop 5: the cable.");
    this.say();
    await this.mark();
    await this.type("laptop traceroute web1");
    const far = this.address("far-core1");
    this.layers(
      this.frame(
        (e) =>
          e.type === "frame-received" &&
          e.node === "laptop" &&
          e.frame[23] === 1 &&
          e.frame[34] === 11 &&
          sourceAddress(e.frame) === far,
      ),
      "the Time Exceeded from far-core1; inside it, the start of the probe it dropped",
    );
  }

  private async tcp(): Promise<void> {
    this.heading(4);
    this.say("web1 runs a web server. The laptop asks it for 2000 bytes. Before any data, TCP opens");
    this.say("a connection with the three-way handshake: SYN, SYN-ACK, ACK. Each side picks a random");
    this.say("initial sequence number; below, numbers are relative to it (seq=0 is the SYN), as");
    this.say("Wireshark shows them. Every byte of data takes one sequence number; an ACK names the");
    this.say("next byte expected. FIN closes each direction; states are in [brackets].");
    this.say();
    await this.type("web1 httpd");
    await this.mark();
    await this.type(
      `laptop curl -s -o /dev/null -w "%{http_code}, %{size_download} bytes in %{time_total} s\\n" http://web1/bytes/2000`,
    );
    await this.diagram("laptop", ["tcp"]);
    this.say();
    this.say("The server closed first (the request said Connection: close), so it is web1 that");
    this.say("waits in TIME-WAIT, long enough for stray segments of this connection to die out.");
    this.layers(
      this.frame(
        (e) =>
          e.type === "frame-sent" && e.node === "laptop" && e.frame[23] === 6 && (e.frame[47] & 0x02) !== 0,
      ),
      "the SYN, with the options both sides agree on (MSS, window scale, SACK, timestamps)",
    );
    this.layers(
      this.frame(
        (e) =>
          e.type === "frame-sent" &&
          e.node === "laptop" &&
          e.frame[23] === 6 &&
          tcpPayloadLength(e.frame) > 0,
      ),
      "the HTTP request: application data inside TCP inside IP inside Ethernet",
    );
  }

  private async nat(): Promise<void> {
    this.heading(5);
    const outside = this.network.node("home-router").interface("eth1").addresses[0]?.address.toString();
    this.say("The home's addresses, 192.168.1.0/24, are private (RFC 1918): countless homes use the");
    this.say("same ones, so no router on the Internet has a route to them. The home router is a NAT:");
    this.say("on the way out it replaces the private source address (and, if it must, the port) with");
    this.say(`its own public address, ${outside}, the one toward the ISP, and remembers the pair;`);
    this.say("replies come back to that address and port, and it puts the private ones back. The");
    this.say("laptop and the phone fetch a page from web1 (after the NAT forgets the earlier steps):");
    this.say();
    // Forget the translations of the earlier steps, so that the table shows only what follows.
    await this.type("home-router nat clear", `laptop curl -s -o /dev/null http://web1/bytes/1000`);
    await this.mark();
    await this.type(
      `phone curl -s -o /dev/null -w "%{http_code}, %{size_download} bytes in %{time_total} s\\n" http://web1/bytes/1000`,
      "home-router show ip nat translations",
    );
    this.say();
    this.say('"Inside local" is each device\'s own address and port, "inside global" what the world');
    this.say("sees instead: both devices behind one public address, told apart by their ports. web1");
    this.say("only ever sees the home router's address (the note in the diagram is the NAT at work):");
    await this.diagram("web1", ["tcp"]);
    this.layers(
      this.frame(
        (e) =>
          e.type === "frame-received" && e.node === "web1" && e.frame[23] === 6 && (e.frame[47] & 0x02) !== 0,
      ),
      "the phone's SYN as web1 received it: look at the Source Address",
    );
    this.say();
    this.say("The other side of the coin: nobody outside can start a conversation with a device in the");
    this.say("home. No router out there has a route to its address (and the NAT would not know which");
    this.say("device is meant): a router of the second ISP answers that the network is unreachable.");
    this.say();
    await this.typeFailing("web1 ping -c 1 laptop");
  }

  private async download(): Promise<void> {
    this.heading(6);
    this.say("A megabyte from web1, then the same from cdn1 in the edge data center. TCP starts");
    this.say("slowly (slow start) and grows its window once per round trip, so the shorter round");
    this.say("trip to the edge pays off.");
    this.say();
    const format = `"%{http_code}, %{size_download} bytes in %{time_total} s\\n"`;
    await this.type(`laptop curl -s -o /dev/null -w ${format} http://web1/bytes/1000000`);
    await this.type("cdn1 httpd");
    await this.type(`laptop curl -s -o /dev/null -w ${format} http://cdn1/bytes/1000000`);
  }

  private async loss(): Promise<void> {
    const [a, b] = SUBMARINE_CABLE;
    this.heading(7);
    this.say("Now the submarine cable loses one frame in four. UDP sends datagrams and forgets them:");
    this.say("web1 echoes each one back, and what the cable drops is simply gone.");
    this.say();
    await this.type(`link ${a} ${b} set loss 25%`, "web1 nc -l -u --echo 9000");
    await this.mark();
    for (let i = 1; i <= 6; i++) await this.type(`laptop nc -u -w 1 web1 9000 move ${i}`);
    await this.diagram("laptop", ["udp"]);
    this.layers(
      this.frame((e) => e.type === "frame-sent" && e.node === "laptop" && e.frame[23] === 17),
      "a UDP datagram: 8 bytes of header, no sequence numbers, no acknowledgments",
    );
    this.say();
    this.say("TCP over the same cable: a lost segment is sent again when the ACKs say it is");
    this.say("missing (or when the retransmission timer runs out), so the download is whole.");
    this.say();
    await this.mark();
    await this.type(
      `laptop curl -s -o /dev/null -w "%{http_code}, %{size_download} bytes in %{time_total} s\\n" http://web1/bytes/20000`,
    );
    // The cable mended before the diagram, so that segments still being resent (a FIN whose
    // retransmission timer has backed off) get through while the network runs on.
    await this.type(`link ${a} ${b} set loss 0%`);
    await this.diagram("laptop", ["tcp"], { limit: 60 }, 30);
  }

  private async ipv6Only(): Promise<void> {
    this.heading(8);
    this.say("There are not enough IPv4 addresses for every phone, and many mobile networks give");
    this.say("phones IPv6 addresses only. mobile is such a phone: its operator's gateway, mobile-gw,");
    this.say("advertises an IPv6 prefix (a router advertisement), and the phone made its own address");
    this.say("from it (SLAAC: the prefix, then a number from its MAC address). It has no IPv4 address:");
    this.say();
    await this.type("mobile ip addr show dev eth0");
    this.say();
    this.say("web1 has only an IPv4 address, so the phone cannot reach it as it is:");
    this.say();
    await this.typeFailing("mobile ping -c 1 web1");
    this.say();
    this.say("The gateway translates. Its DNS server (DNS64) answers a question for web1's IPv6");
    this.say("address with web1's IPv4 address written inside the prefix 64:ff9b::/96, and the");
    this.say("gateway (NAT64) turns packets sent into that prefix into IPv4 packets from its own");
    this.say("address, 198.51.100.26, and the answers back into IPv6:");
    this.say();
    await this.type("mobile dig +short web1.example.net AAAA");
    await this.mark();
    await this.type(
      `mobile curl -s -o /dev/null -w "%{http_code}, %{size_download} bytes in %{time_total} s\\n" http://web1.example.net/bytes/1000`,
      "mobile-gw show nat64 translations",
    );
    await this.diagram("mobile", ["tcp"]);
    this.layers(
      this.frame(
        (e) =>
          e.type === "frame-sent" && e.node === "mobile" && e.frame[20] === 6 && (e.frame[67] & 0x02) !== 0,
      ),
      "the phone's SYN before translation: IPv6, to web1 inside 64:ff9b::/96",
    );
    this.layers(
      this.frame(
        (e) =>
          e.type === "frame-received" && e.node === "web1" && e.frame[23] === 6 && (e.frame[47] & 0x02) !== 0,
      ),
      "the same SYN after translation, as web1 received it: IPv4, from mobile-gw's address",
    );
    this.say();
    this.say("The gateway rewrote the network layer (an IPv4 header for the IPv6 one, RFC 7915) and the");
    this.say("source port, as a NAT does; the sequence number and the options went through unchanged,");
    this.say("and the TCP checksum was recomputed over the new addresses.");
  }

  private outro(capturing: boolean): void {
    this.heading(0);
    if (capturing) {
      this.say("Every frame the laptop's network card sent or received is in the capture file: open it");
      this.say("in Wireshark to see the same packets through its eyes (where the cable lost a segment,");
      this.say('it says "previous segment not captured"). So is every frame of the phone on the mobile');
      this.say("network: the IPv6 side of step 8, router advertisements and neighbour discovery included.");
      this.say();
    }
    this.say("Explore this network yourself: `tinkernet demo --interactive` leaves you in the shell");
    this.say("after the tour, and `tinkernet run examples/internet.yml` starts it fresh. There,");
    this.say("`trace NODE [tcp|udp|icmp|arp]` draws the latest exchange as above, `layers [NODE] [N]`");
    this.say("shows a recent packet layer by layer (`layers --list` numbers them), `capture NODE:IF`");
    this.say("writes pcapng for Wireshark, and `help` lists the rest. The lessons in docs/learn/");
    this.say("follow the textbook on this network.");
  }
}

/** The IPv4 source address of an Ethernet frame carrying IPv4. */
function sourceAddress(frame: Uint8Array): string {
  return Array.from(frame.subarray(26, 30)).join(".");
}

/** Data bytes of a TCP segment in an Ethernet frame (no IP options assumed beyond IHL). */
function tcpPayloadLength(frame: Uint8Array): number {
  const ihl = (frame[14] & 0x0f) * 4;
  const total = (frame[16] << 8) | frame[17];
  const dataOffset = (frame[14 + ihl + 12] >>> 4) * 4;
  return total - ihl - dataOffset;
}
