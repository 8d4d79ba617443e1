/**
 * The ICMP errors a script injects (`< icmp unreachable port_unreachable [0:0(0)]`), as the
 * network layer would hand them to TCP: a `TransportError` with kind, code and errno. The names
 * are packetdrill's; the same names mean ICMPv4 (RFC 792) or ICMPv6 (RFC 4443) by the script's
 * IP version. Redirects never reach a transport: the network layer consumes them (RFC 1122
 * §3.2.2.2), so the runner delivers nothing for them.
 */
import { errnoFor } from "../net/icmp.js";
import type { TransportError } from "../net/network-layer.js";

export interface IcmpErrorCode {
  kind: TransportError["kind"];
  type: number;
  code: number;
  errno: string;
}

const V4_TYPES: Readonly<Record<string, { type: number; kind: TransportError["kind"] | "redirect" }>> = {
  unreachable: { type: 3, kind: "unreachable" },
  source_quench: { type: 4, kind: "source-quench" },
  redirect: { type: 5, kind: "redirect" },
  time_exceeded: { type: 11, kind: "time-exceeded" },
  parameter_problem: { type: 12, kind: "parameter-problem" },
};

const V4_CODES: Readonly<Record<string, number>> = {
  net_unreachable: 0,
  host_unreachable: 1,
  protocol_unreachable: 2,
  port_unreachable: 3,
  frag_needed: 4,
  source_route_failed: 5,
  net_unknown: 6,
  host_unknown: 7,
  source_host_isolated: 8,
  net_prohibited: 9,
  host_prohibited: 10,
  net_unreachable_for_tos: 11,
  host_unreachable_for_tos: 12,
  packet_filtered: 13,
  precedence_violation: 14,
  precedence_cutoff: 15,
  ttl_exceeded_in_transit: 0,
  frag_reass_exceeded: 1,
};

const V6_TYPES: Readonly<Record<string, { type: number; kind: TransportError["kind"] }>> = {
  unreachable: { type: 1, kind: "unreachable" },
  packet_too_big: { type: 2, kind: "packet-too-big" },
  time_exceeded: { type: 3, kind: "time-exceeded" },
  parameter_problem: { type: 4, kind: "parameter-problem" },
};

const V6_CODES: Readonly<Record<string, number>> = {
  no_route: 0,
  admin_prohibited: 1,
  not_neighbour: 2,
  address_unreachable: 3,
  port_unreachable: 4,
  exceeded_hop_limit: 0,
  exceeded_frag_time: 1,
  header_field: 0,
  unknown_next_header: 1,
  unknown_option: 2,
};

/** Linux's errno for an ICMPv6 error (net/ipv6/icmp.c, icmpv6_err_convert). */
function errnoForV6(type: number, code: number): string {
  if (type === 1)
    return ["ENETUNREACH", "EACCES", "EHOSTUNREACH", "EHOSTUNREACH", "ECONNREFUSED"][code] ?? "EHOSTUNREACH";
  if (type === 2) return "EMSGSIZE";
  if (type === 4) return code === 1 ? "ENOPROTOOPT" : "EPROTO";
  return "EHOSTUNREACH";
}

/**
 * The error an injected ICMP message means, `"redirect"` for one the network layer keeps, or a
 * string saying why the name is unknown.
 */
export function icmpError(
  version: 4 | 6,
  typeName: string,
  codeName: string | undefined,
): IcmpErrorCode | "redirect" | { unknown: string } {
  const table = version === 4 ? V4_TYPES : V6_TYPES;
  const type = table[typeName];
  if (!type) return { unknown: `ICMP${version === 6 ? "v6" : ""} type ${typeName}` };
  if (type.kind === "redirect") return "redirect";
  let code = 0;
  if (codeName !== undefined) {
    const numbered = /^code_(\d+)$/.exec(codeName);
    const known = numbered ? Number(numbered[1]) : (version === 4 ? V4_CODES : V6_CODES)[codeName];
    if (known === undefined || known > 255) return { unknown: `ICMP code ${codeName}` };
    code = known;
  }
  const errno = version === 4 ? errnoFor(type.type, code) : errnoForV6(type.type, code);
  // As the IPv4 layer does, fragmentation needed stays an "unreachable" (code 4) with its MTU.
  return { kind: type.kind, type: type.type, code, errno };
}

/** Errnos that ICMP errors turn into: which one a stack reports is its own choice (see README). */
export const ICMP_ERRNOS: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ENOPROTOOPT",
  "ENONET",
  "EOPNOTSUPP",
  "EACCES",
  "EPROTO",
  "EMSGSIZE",
]);
