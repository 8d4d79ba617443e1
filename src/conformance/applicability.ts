/**
 * Before a script runs: does it test something our stack has? A script that needs a feature we do
 * not implement (TCP-MD5, ECN, UDP tunnelling, a FreeBSD-only sysctl value) is "not applicable",
 * with a reason that says what and, where one exists, which RFC clause lets us differ. Scripts are
 * never skipped silently: every one ends passed, failed or not applicable.
 */
import { parseShellCommand, type StackCapabilities, sysctlEffect } from "./commands.js";
import type { Script, ScriptEvent } from "./pkt-ast.js";

/** The script options the runner understands. */
const KNOWN_OPTIONS = new Set(["ip_version", "tolerance_usecs", "mtu", "non_fatal"]);

export interface Inapplicability {
  reason: string;
  line?: number;
}

/** Why the (already preprocessed) events of a script cannot run on this stack, or undefined. */
export function inapplicability(
  script: Script,
  events: readonly ScriptEvent[],
  capabilities: StackCapabilities,
): Inapplicability | undefined {
  for (const option of script.options) {
    if (option.name === "udp_encapsulation")
      return {
        reason:
          "TCP over UDP tunnelling (FreeBSD's draft-ietf-tsvwg-tcp-over-udp implementation) is not implemented",
        line: option.line,
      };
    if (option.name === "tcp_md5_secret")
      return {
        reason: "TCP-MD5 signatures (RFC 2385, obsoleted by TCP-AO RFC 5925) are not implemented",
        line: option.line,
      };
    if (option.name === "ip_version" && option.value !== "ipv4" && option.value !== "ipv6")
      return { reason: `--ip_version=${option.value} (IPv4-mapped IPv6) is not emulated`, line: option.line };
    if (option.name === "non_fatal" && option.value !== "syscall")
      return { reason: `--non_fatal=${option.value} is not emulated`, line: option.line };
    if (!KNOWN_OPTIONS.has(option.name))
      return { reason: `script option --${option.name} is not emulated`, line: option.line };
  }
  /** Index of the last event that touches the stack: later sysctl lines only restore defaults. */
  let lastActive = -1;
  events.forEach((e, i) => {
    if (e.type === "packet" || e.type === "syscall" || e.type === "code") lastActive = i;
  });
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    const found = eventInapplicability(event, capabilities, i < lastActive);
    if (found) return { reason: found, line: event.line };
  }
  return undefined;
}

function eventInapplicability(
  event: ScriptEvent,
  capabilities: StackCapabilities,
  beforeLastActive: boolean,
): string | undefined {
  switch (event.type) {
    case "packet": {
      if (event.packet.protocol === "icmp") {
        if (event.direction === "outbound") return "outbound ICMP expectations are not emulated";
        return undefined;
      }
      const tcp = event.packet;
      if (tcp.udpEncapsulation) return "TCP over UDP tunnelling is not implemented";
      if (tcp.options !== "any")
        for (const option of tcp.options ?? []) {
          if (option.kind === "md5")
            return "TCP-MD5 signatures (RFC 2385, obsoleted by TCP-AO RFC 5925) are not implemented";
          if (option.kind === "other") return `TCP option ${option.name} is not emulated`;
        }
      if (
        !capabilities.ecn &&
        (/[EWN]/.test(tcp.flagText) || (event.ecn !== undefined && event.ecn !== "noecn"))
      )
        return "ECN (RFC 3168) is optional and not implemented";
      return undefined;
    }
    case "command": {
      const command = parseShellCommand(event.command);
      if (command.kind === "unsupported") return command.reason;
      if (command.kind !== "sysctl" || !beforeLastActive) return undefined;
      for (const { name, value } of command.assignments) {
        const effect = sysctlEffect(name, value, capabilities);
        if (effect.kind === "not-applicable") return effect.reason;
      }
      return undefined;
    }
    case "code":
      return codeAssertion(event.code) ? undefined : `%{ ${event.code} }% (Python) is not emulated`;
    case "syscall":
      return undefined;
  }
}

/** The `%{ }%` forms the runner evaluates: `assert tcpi_state == X`, `assert tcpi_options == X`. */
export function codeAssertion(code: string): { field: "state" | "options"; operands: string[] } | undefined {
  const match = /^assert\s+tcpi_(state|options)\s*==\s*(.+)$/.exec(code.trim());
  if (!match) return undefined;
  const operands = match[2]
    .replace(/[()]/g, " ")
    .split("|")
    .map((s) => s.trim());
  if (operands.some((o) => !/^(\w+)$/.test(o))) return undefined;
  return { field: match[1] as "state" | "options", operands };
}
