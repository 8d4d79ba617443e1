/**
 * BGP messages explained to a learner (the `layers` view, `tinkernet decode`, the web lab's
 * inspector): one field per item of RFC 4271 §4, with what it means for the session.
 */
import { type FieldDescription, hex, type LayerDescription, OSI_APPLICATION } from "../describe.js";
import { asPathLength, formatAsPath, formatCommunity } from "./attributes.js";
import { formatCapability } from "./capabilities.js";
import { bgpErrorName, ORIGIN_NAMES } from "./constants.js";
import type { BgpMessage } from "./message.js";

/** One line, as tcpdump prints a BGP message. */
export function summarizeBgp(message: BgpMessage): string {
  switch (message.type) {
    case "open":
      return `BGP OPEN: AS ${message.myAs}, hold time ${message.holdTime}s, ID ${message.bgpId}, ${message.capabilities.length} capabilities`;
    case "update": {
      const parts: string[] = [];
      if (message.nlri.length > 0) {
        parts.push(
          `${message.nlri.length} prefix${message.nlri.length === 1 ? "" : "es"} via ${message.attributes.nextHop ?? "?"}, AS path ${formatAsPath(message.attributes.asPath) || "(empty)"}`,
        );
      }
      if (message.withdrawn.length > 0) parts.push(`${message.withdrawn.length} withdrawn`);
      return `BGP UPDATE: ${parts.join("; ") || "End-of-RIB"}`;
    }
    case "notification":
      return `BGP NOTIFICATION: ${bgpErrorName(message.code, message.subcode)}`;
    case "keepalive":
      return "BGP KEEPALIVE";
    case "route-refresh":
      return `BGP ROUTE-REFRESH: AFI ${message.afi} SAFI ${message.safi}`;
  }
}

export function describeBgp(message: BgpMessage): LayerDescription {
  const fields: FieldDescription[] = [
    { name: "Marker", value: "ff × 16", meaning: "all ones: the start of a message", offset: 0, length: 16 },
    { name: "Type", value: message.type.toUpperCase(), offset: 18, length: 1 },
  ];
  switch (message.type) {
    case "open":
      fields.push(
        { name: "Version", value: String(message.version), meaning: "BGP-4", offset: 19, length: 1 },
        { name: "My Autonomous System", value: String(message.myAs), offset: 20, length: 2 },
        {
          name: "Hold Time",
          value: `${message.holdTime} s`,
          meaning:
            "the session dies if nothing arrives for this long; the smaller of both sides' values is used",
          offset: 22,
          length: 2,
        },
        {
          name: "BGP Identifier",
          value: message.bgpId.toString(),
          meaning: "the router ID",
          offset: 24,
          length: 4,
        },
        {
          name: "Capabilities",
          value: String(message.capabilities.length),
          meaning: "what this speaker can do (RFC 5492)",
          children: message.capabilities.map((c) => ({ name: "Capability", value: formatCapability(c) })),
        },
      );
      break;
    case "update": {
      const a = message.attributes;
      const attrs: FieldDescription[] = [];
      if (a.origin !== undefined)
        attrs.push({ name: "ORIGIN", value: ORIGIN_NAMES[a.origin] ?? String(a.origin) });
      if (a.asPath !== undefined) {
        attrs.push({
          name: "AS_PATH",
          value: formatAsPath(a.asPath) || "(empty)",
          meaning: `${asPathLength(a.asPath)} AS hops; a shorter path is preferred and a path holding our own AS is a loop`,
        });
      }
      if (a.nextHop)
        attrs.push({
          name: "NEXT_HOP",
          value: a.nextHop.toString(),
          meaning: "where to send packets for these prefixes",
        });
      if (a.med !== undefined)
        attrs.push({
          name: "MULTI_EXIT_DISC",
          value: String(a.med),
          meaning: "lower is preferred among routes from one neighbouring AS",
        });
      if (a.localPref !== undefined)
        attrs.push({
          name: "LOCAL_PREF",
          value: String(a.localPref),
          meaning: "higher is preferred, inside one AS",
        });
      if (a.atomicAggregate) attrs.push({ name: "ATOMIC_AGGREGATE", value: "set" });
      if (a.aggregator)
        attrs.push({ name: "AGGREGATOR", value: `AS ${a.aggregator.asn} ${a.aggregator.address}` });
      if (a.communities)
        attrs.push({ name: "COMMUNITIES", value: a.communities.map(formatCommunity).join(" ") });
      if (a.originatorId)
        attrs.push({
          name: "ORIGINATOR_ID",
          value: a.originatorId.toString(),
          meaning: "the router that first brought the route into the AS (RFC 4456)",
        });
      if (a.clusterList)
        attrs.push({
          name: "CLUSTER_LIST",
          value: a.clusterList.join(" "),
          meaning: "route reflectors it passed (RFC 4456)",
        });
      for (const u of a.unknown ?? [])
        attrs.push({
          name: `Attribute ${u.type}`,
          value: `${u.value.length} octets, flags ${hex(u.flags, 2)}`,
        });
      fields.push(
        {
          name: "Withdrawn Routes",
          value: message.withdrawn.length === 0 ? "none" : message.withdrawn.join(" "),
          meaning: "prefixes no longer reachable through the sender",
        },
        { name: "Path Attributes", value: String(attrs.length), children: attrs },
        {
          name: "Network Layer Reachability Information",
          value: message.nlri.length === 0 ? "none" : message.nlri.join(" "),
          meaning: "prefixes reachable with the attributes above",
        },
      );
      break;
    }
    case "notification":
      fields.push(
        { name: "Error Code", value: String(message.code), offset: 19, length: 1 },
        {
          name: "Error Subcode",
          value: String(message.subcode),
          meaning: bgpErrorName(message.code, message.subcode),
          offset: 20,
          length: 1,
        },
        { name: "Data", value: `${message.data.length} octets`, offset: 21, length: message.data.length },
      );
      break;
    case "keepalive":
      fields.push({
        name: "(no body)",
        value: "",
        meaning: "sent every third of the hold time to keep the session up",
      });
      break;
    case "route-refresh":
      fields.push(
        { name: "AFI", value: String(message.afi), offset: 19, length: 2 },
        { name: "SAFI", value: String(message.safi), offset: 22, length: 1 },
      );
      break;
  }
  return {
    layer: "bgp",
    title: "Border Gateway Protocol",
    ...OSI_APPLICATION,
    summary: summarizeBgp(message),
    fields,
  };
}
