/**
 * Capabilities advertisement (RFC 5492): an OPEN's optional parameter of type 2 holds a list of
 * (code, length, value) triples. We understand the ones our speaker negotiates — multiprotocol
 * (RFC 4760 §8), route refresh (RFC 2918 §2, and Cisco's older code 128), 4-octet AS numbers
 * (RFC 6793 §3) — and keep every other one as raw bytes so it can be shown and ignored (RFC 5492
 * §3: a speaker that does not know a capability ignores it).
 */
import { readUint16, readUint32, writeUint16, writeUint32 } from "../network-order.js";
import { CAPABILITY_NAMES, CapabilityCode } from "./constants.js";

export type BgpCapability =
  | { kind: "multiprotocol"; afi: number; safi: number }
  | { kind: "route-refresh"; code: number }
  | { kind: "four-octet-as"; asn: number }
  | { kind: "other"; code: number; value: Uint8Array };

export function capabilityCode(capability: BgpCapability): number {
  switch (capability.kind) {
    case "multiprotocol":
      return CapabilityCode.Multiprotocol;
    case "route-refresh":
      return capability.code;
    case "four-octet-as":
      return CapabilityCode.FourOctetAs;
    case "other":
      return capability.code;
  }
}

export function capabilityName(code: number): string {
  return CAPABILITY_NAMES[code] ?? `Unknown capability ${code}`;
}

/** Octets of a capability's value. */
export function capabilityValueLength(capability: BgpCapability): number {
  switch (capability.kind) {
    case "multiprotocol":
      return 4;
    case "route-refresh":
      return 0;
    case "four-octet-as":
      return 4;
    case "other":
      return capability.value.length;
  }
}

/**
 * Reads one capability's value. A known code with a value of the wrong size is kept as `other`
 * (so the caller can refuse it, or ignore it) rather than guessed at.
 */
export function parseCapability(code: number, value: Uint8Array): BgpCapability {
  if (code === CapabilityCode.Multiprotocol && value.length === 4) {
    return { kind: "multiprotocol", afi: readUint16(value, 0), safi: value[3] };
  }
  if (
    (code === CapabilityCode.RouteRefresh || code === CapabilityCode.RouteRefreshCisco) &&
    value.length === 0
  ) {
    return { kind: "route-refresh", code };
  }
  if (code === CapabilityCode.FourOctetAs && value.length === 4) {
    return { kind: "four-octet-as", asn: readUint32(value, 0) };
  }
  return { kind: "other", code, value };
}

/** Writes code, length, value; returns the offset after it. */
export function emitCapability(capability: BgpCapability, into: Uint8Array, offset: number): number {
  const length = capabilityValueLength(capability);
  into[offset] = capabilityCode(capability);
  into[offset + 1] = length;
  const at = offset + 2;
  switch (capability.kind) {
    case "multiprotocol":
      writeUint16(into, at, capability.afi);
      into[at + 2] = 0; // reserved
      into[at + 3] = capability.safi;
      break;
    case "four-octet-as":
      writeUint32(into, at, capability.asn);
      break;
    case "other":
      into.set(capability.value, at);
      break;
    case "route-refresh":
      break;
  }
  return at + length;
}

/** One line per capability, as describe and `show ip bgp neighbors` print it. */
export function formatCapability(capability: BgpCapability): string {
  switch (capability.kind) {
    case "multiprotocol":
      return `Multiprotocol Extensions: AFI ${capability.afi} SAFI ${capability.safi}${capability.afi === 1 && capability.safi === 1 ? " (IPv4 Unicast)" : ""}`;
    case "route-refresh":
      return capability.code === CapabilityCode.RouteRefresh ? "Route Refresh" : "Route Refresh (Cisco)";
    case "four-octet-as":
      return `4-octet AS number: ${capability.asn}`;
    case "other":
      return `${capabilityName(capability.code)} (${capability.value.length} octets)`;
  }
}
