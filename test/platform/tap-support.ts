/**
 * Helpers for the TAP system tests: unique interface and namespace names (several test files and
 * worktrees may run at once), child processes with bounded time, tcpdump captures inside a
 * namespace, and a handcrafted ARP/ICMP responder built from src/wire alone (it proves the
 * plumbing without the emulated stack).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import type { TestContext } from "node:test";
import { tapUnavailableReason } from "../../src/platform/tap/native.js";
import { Ipv4Address } from "../../src/wire/address/ipv4.js";
import { MacAddress } from "../../src/wire/address/mac.js";
import { ArpOperation, type ArpRepr, emitArp, parseArp } from "../../src/wire/arp.js";
import { EtherType, emitEthernet, padEthernetFrame, parseEthernet } from "../../src/wire/ethernet.js";
import { emitIcmpv4, icmpv4Length, parseIcmpv4 } from "../../src/wire/icmpv4.js";
import { emitIpv4, IpProtocol, parseIpv4 } from "../../src/wire/ipv4.js";
import { isParseError } from "../../src/wire/parse-error.js";
import { hasCommand, needSystem } from "../support/system.js";

/** Whether TAP system tests can run here; skips loudly (or fails under TINKERNET_REQUIRE_SYSTEM=1). */
export function needTap(t: TestContext, ...commands: string[]): boolean {
  const reason = tapUnavailableReason();
  if (!needSystem(t, `the TAP bridge (${reason})`, reason === undefined)) return false;
  for (const command of ["ip", ...commands]) {
    if (!needSystem(t, command, hasCommand(command))) return false;
  }
  return true;
}

let counter = 0;
/** A name unique to this process and call, short enough for an interface (≤ 15 characters). */
export function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}${process.pid % 100000}${String.fromCharCode(97 + (counter % 26))}${Math.floor(counter / 26) || ""}`.slice(
    0,
    15,
  );
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, killed after `timeoutMs`. */
export function run(command: string, args: string[], timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** `ip netns exec NETNS COMMAND ARGS...` */
export function runIn(
  netns: string,
  command: string,
  args: string[],
  timeoutMs?: number,
): Promise<RunResult> {
  return run("ip", ["netns", "exec", netns, command, ...args], timeoutMs);
}

/** A tcpdump writing a pcap of `iface` inside `netns`; `stop()` ends it and waits for the file. */
export interface Capture {
  file: string;
  stop(): Promise<void>;
}

export async function startCapture(
  netns: string,
  iface: string,
  file: string,
  filter: string[] = [],
): Promise<Capture> {
  const child: ChildProcess = spawn(
    "ip",
    [
      "netns",
      "exec",
      netns,
      "tcpdump",
      "-i",
      iface,
      "--immediate-mode",
      "-B",
      "16384",
      "-U",
      "-n",
      "-s",
      "0",
      "-w",
      file,
      ...filter,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${stderr}`)), 10_000);
    child.stderr?.on("data", (chunk) => {
      stderr += chunk;
      if (stderr.includes("listening on")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on("exit", () => {
      clearTimeout(timer);
      reject(new Error(`tcpdump exited: ${stderr}`));
    });
  });
  return {
    file,
    stop: () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners("exit");
        child.on("exit", () => resolve());
        child.kill("SIGINT");
        setTimeout(() => child.kill("SIGKILL"), 5000).unref();
      }),
  };
}

/** `ip -s -j link show` counters of an interface in a namespace. */
export async function linkStats(
  netns: string,
  iface: string,
): Promise<{ rxPackets: number; txPackets: number; txDropped: number }> {
  const result = await run("ip", ["-n", netns, "-s", "-j", "link", "show", "dev", iface]);
  const [info] = JSON.parse(result.stdout) as {
    stats64: { rx: { packets: number }; tx: { packets: number; dropped: number } };
  }[];
  return {
    rxPackets: info.stats64.rx.packets,
    txPackets: info.stats64.tx.packets,
    txDropped: info.stats64.tx.dropped,
  };
}

export function netnsGone(name: string): boolean {
  return !existsSync(`/var/run/netns/${name}`);
}

/**
 * A host made of nothing but src/wire: answers ARP requests for `ip` and ICMP echo requests to it.
 * Returns the handler for received frames; replies go to `send`.
 */
export function handcraftedResponder(
  mac: MacAddress,
  ip: Ipv4Address,
  send: (frame: Uint8Array) => void,
): { onFrame: (frame: Uint8Array) => void; arpRequests: number; echoRequests: number } {
  const state = {
    arpRequests: 0,
    echoRequests: 0,
    onFrame(frame: Uint8Array) {
      const ethernet = parseEthernet(frame);
      if (isParseError(ethernet)) return;
      if (ethernet.ethertype === EtherType.ARP) {
        const arp = parseArp(ethernet.payload);
        if (isParseError(arp) || arp.operation !== ArpOperation.Request || arp.targetIp.value !== ip.value)
          return;
        state.arpRequests++;
        const reply: ArpRepr = {
          operation: ArpOperation.Reply,
          senderMac: mac,
          senderIp: ip,
          targetMac: arp.senderMac,
          targetIp: arp.senderIp,
        };
        const out = new Uint8Array(60);
        emitArp(reply, out.subarray(14));
        const length = emitEthernet(
          { dst: arp.senderMac, src: mac, ethertype: EtherType.ARP, payload: out.subarray(14, 42) },
          out,
        );
        send(out.subarray(0, padEthernetFrame(out, length)));
        return;
      }
      if (ethernet.ethertype !== EtherType.IPv4) return;
      const packet = parseIpv4(ethernet.payload);
      if (isParseError(packet) || packet.dst.value !== ip.value || packet.protocol !== IpProtocol.ICMP)
        return;
      const icmp = parseIcmpv4(packet.payload);
      if (isParseError(icmp) || icmp.kind !== "echo-request") return;
      state.echoRequests++;
      const replyIcmp = {
        kind: "echo-reply" as const,
        identifier: icmp.identifier,
        sequence: icmp.sequence,
        data: icmp.data,
      };
      const icmpBytes = new Uint8Array(icmpv4Length(replyIcmp));
      emitIcmpv4(replyIcmp, icmpBytes);
      const out = new Uint8Array(Math.max(60, 14 + 20 + icmpBytes.length));
      const ipLength = emitIpv4(
        {
          dscp: 0,
          ecn: 0,
          identification: icmp.sequence,
          reservedFlag: false,
          dontFragment: false,
          moreFragments: false,
          fragmentOffset: 0,
          ttl: 64,
          protocol: IpProtocol.ICMP,
          src: ip,
          dst: packet.src,
          options: [],
          payload: icmpBytes,
        },
        out.subarray(14),
      );
      const length = emitEthernet(
        { dst: ethernet.src, src: mac, ethertype: EtherType.IPv4, payload: out.subarray(14, 14 + ipLength) },
        out,
      );
      send(out.subarray(0, padEthernetFrame(out, length)));
    },
  };
  return state;
}

export { Ipv4Address, MacAddress };
