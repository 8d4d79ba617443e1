/**
 * BGP-4's numbers (RFC 4271 §4 and §6, with the registries of RFC 5492, RFC 6793, RFC 2918,
 * RFC 1997 and RFC 4456): message types, error codes and subcodes, path attribute type codes and
 * flags, capability codes. Named here once so the parser, the speaker and the views agree.
 */

/** TCP port BGP listens on (RFC 4271 §8.2.1). */
export const BGP_PORT = 179;
/** The only version we speak (RFC 4271 §4.2). */
export const BGP_VERSION = 4;
/** The marker is 16 octets of ones (RFC 4271 §4.1). */
export const BGP_MARKER_LENGTH = 16;
/** Marker (16) + Length (2) + Type (1). */
export const BGP_HEADER_LENGTH = 19;
/** RFC 4271 §4.1: "The value of the Length field MUST always be at least 19 and no greater than 4096". */
export const BGP_MAX_MESSAGE_LENGTH = 4096;
/** The fixed part of an OPEN: version, My AS, Hold Time, BGP Identifier, Opt Parm Len (RFC 4271 §4.2). */
export const BGP_OPEN_MIN_LENGTH = 29;
/** Withdrawn Routes Length + Total Path Attribute Length (RFC 4271 §4.3). */
export const BGP_UPDATE_MIN_LENGTH = 23;
/** Error code + subcode (RFC 4271 §4.5). */
export const BGP_NOTIFICATION_MIN_LENGTH = 21;
/** AFI (2) + reserved (1) + SAFI (1) (RFC 2918 §3). */
export const BGP_ROUTE_REFRESH_LENGTH = 23;
/** The 2-octet AS that stands in for a 4-octet one towards an old speaker (RFC 6793 §9). */
export const AS_TRANS = 23456;

export const BgpMessageType = {
  Open: 1,
  Update: 2,
  Notification: 3,
  Keepalive: 4,
  RouteRefresh: 5,
} as const;

export const BGP_MESSAGE_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: "OPEN",
  2: "UPDATE",
  3: "NOTIFICATION",
  4: "KEEPALIVE",
  5: "ROUTE-REFRESH",
};

/** NOTIFICATION error codes (RFC 4271 §4.5, RFC 7313 §5 for 7). */
export const BgpErrorCode = {
  MessageHeader: 1,
  OpenMessage: 2,
  UpdateMessage: 3,
  HoldTimerExpired: 4,
  FiniteStateMachine: 5,
  Cease: 6,
  RouteRefresh: 7,
} as const;

/** Message Header Error subcodes (RFC 4271 §4.5). */
export const HeaderErrorSubcode = {
  ConnectionNotSynchronized: 1,
  BadMessageLength: 2,
  BadMessageType: 3,
} as const;

/** OPEN Message Error subcodes (RFC 4271 §4.5; 7 from RFC 5492 §5). */
export const OpenErrorSubcode = {
  Unspecific: 0,
  UnsupportedVersionNumber: 1,
  BadPeerAs: 2,
  BadBgpIdentifier: 3,
  UnsupportedOptionalParameter: 4,
  UnacceptableHoldTime: 6,
  UnsupportedCapability: 7,
} as const;

/** UPDATE Message Error subcodes (RFC 4271 §4.5). */
export const UpdateErrorSubcode = {
  MalformedAttributeList: 1,
  UnrecognizedWellKnownAttribute: 2,
  MissingWellKnownAttribute: 3,
  AttributeFlagsError: 4,
  AttributeLengthError: 5,
  InvalidOriginAttribute: 6,
  InvalidNextHopAttribute: 8,
  OptionalAttributeError: 9,
  InvalidNetworkField: 10,
  MalformedAsPath: 11,
} as const;

/** Cease subcodes (RFC 4486 §4). */
export const CeaseSubcode = {
  MaximumPrefixesReached: 1,
  AdministrativeShutdown: 2,
  PeerDeconfigured: 3,
  AdministrativeReset: 4,
  ConnectionRejected: 5,
  OtherConfigurationChange: 6,
  ConnectionCollisionResolution: 7,
  OutOfResources: 8,
} as const;

/** How FRR and Wireshark name an error, for `show ip bgp neighbors` and describe. */
export function bgpErrorName(code: number, subcode: number): string {
  const codes: Record<number, [string, Record<number, string>]> = {
    1: [
      "Message Header Error",
      { 1: "Connection Not Synchronized", 2: "Bad Message Length", 3: "Bad Message Type" },
    ],
    2: [
      "OPEN Message Error",
      {
        0: "Unspecific",
        1: "Unsupported Version Number",
        2: "Bad Peer AS",
        3: "Bad BGP Identifier",
        4: "Unsupported Optional Parameter",
        6: "Unacceptable Hold Time",
        7: "Unsupported Capability",
      },
    ],
    3: [
      "UPDATE Message Error",
      {
        1: "Malformed Attribute List",
        2: "Unrecognized Well-known Attribute",
        3: "Missing Well-known Attribute",
        4: "Attribute Flags Error",
        5: "Attribute Length Error",
        6: "Invalid ORIGIN Attribute",
        8: "Invalid NEXT_HOP Attribute",
        9: "Optional Attribute Error",
        10: "Invalid Network Field",
        11: "Malformed AS_PATH",
      },
    ],
    4: ["Hold Timer Expired", {}],
    5: ["Finite State Machine Error", {}],
    6: [
      "Cease",
      {
        1: "Maximum Number of Prefixes Reached",
        2: "Administrative Shutdown",
        3: "Peer De-configured",
        4: "Administrative Reset",
        5: "Connection Rejected",
        6: "Other Configuration Change",
        7: "Connection Collision Resolution",
        8: "Out of Resources",
      },
    ],
    7: ["ROUTE-REFRESH Message Error", { 1: "Invalid Message Length" }],
  };
  const entry = codes[code];
  if (!entry) return `Unknown error ${code}/${subcode}`;
  const sub = entry[1][subcode];
  return sub ? `${entry[0]}/${sub}` : subcode === 0 ? entry[0] : `${entry[0]}/subcode ${subcode}`;
}

/** Path attribute type codes (RFC 4271 §5, RFC 1997, RFC 4456, RFC 6793, RFC 4760). */
export const AttributeType = {
  Origin: 1,
  AsPath: 2,
  NextHop: 3,
  MultiExitDisc: 4,
  LocalPref: 5,
  AtomicAggregate: 6,
  Aggregator: 7,
  Communities: 8,
  OriginatorId: 9,
  ClusterList: 10,
  MpReachNlri: 14,
  MpUnreachNlri: 15,
  As4Path: 17,
  As4Aggregator: 18,
} as const;

export const ATTRIBUTE_NAMES: Readonly<Record<number, string>> = {
  1: "ORIGIN",
  2: "AS_PATH",
  3: "NEXT_HOP",
  4: "MULTI_EXIT_DISC",
  5: "LOCAL_PREF",
  6: "ATOMIC_AGGREGATE",
  7: "AGGREGATOR",
  8: "COMMUNITIES",
  9: "ORIGINATOR_ID",
  10: "CLUSTER_LIST",
  14: "MP_REACH_NLRI",
  15: "MP_UNREACH_NLRI",
  17: "AS4_PATH",
  18: "AS4_AGGREGATOR",
};

/** Attribute flag bits (RFC 4271 §4.3). */
export const AttributeFlag = {
  Optional: 0x80,
  Transitive: 0x40,
  Partial: 0x20,
  ExtendedLength: 0x10,
} as const;

/** ORIGIN values (RFC 4271 §5.1.1); lower is preferred in best-path selection. */
export const Origin = { Igp: 0, Egp: 1, Incomplete: 2 } as const;
/** `i`, `e`, `?` as `show ip bgp` prints them. */
export const ORIGIN_CODES = ["i", "e", "?"] as const;
export const ORIGIN_NAMES = ["IGP", "EGP", "incomplete"] as const;

/** AS_PATH segment types (RFC 4271 §4.3; 3 and 4 from RFC 5065, confederations). */
export const AsPathSegmentType = { Set: 1, Sequence: 2, ConfedSequence: 3, ConfedSet: 4 } as const;

/** Capability codes (IANA registry of RFC 5492). */
export const CapabilityCode = {
  Multiprotocol: 1,
  RouteRefresh: 2,
  ExtendedNextHop: 5,
  ExtendedMessage: 6,
  GracefulRestart: 64,
  FourOctetAs: 65,
  AddPath: 69,
  EnhancedRouteRefresh: 70,
  LongLivedGracefulRestart: 71,
  Fqdn: 73,
  RouteRefreshCisco: 128,
} as const;

export const CAPABILITY_NAMES: Readonly<Record<number, string>> = {
  1: "Multiprotocol Extensions",
  2: "Route Refresh",
  5: "Extended Next Hop Encoding",
  6: "Extended Message",
  64: "Graceful Restart",
  65: "4-octet AS number",
  69: "ADD-PATH",
  70: "Enhanced Route Refresh",
  71: "Long-Lived Graceful Restart",
  73: "FQDN",
  128: "Route Refresh (Cisco)",
};

/** The optional parameter that carries capabilities (RFC 5492 §4). */
export const OPTIONAL_PARAMETER_CAPABILITIES = 2;

/** Address family identifiers and subsequent AFIs we name (RFC 4760). */
export const Afi = { Ipv4: 1, Ipv6: 2 } as const;
export const Safi = { Unicast: 1, Multicast: 2 } as const;

/** Well-known communities (RFC 1997 §2). */
export const WellKnownCommunity = {
  NoExport: 0xffffff01,
  NoAdvertise: 0xffffff02,
  NoExportSubconfed: 0xffffff03,
} as const;
