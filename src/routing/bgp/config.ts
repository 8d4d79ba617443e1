/**
 * A BGP speaker's configuration, in the words of FRR's `router bgp` (and of the topology file's
 * `bgp:` key): the local AS and router ID, neighbours with their remote AS and per-session options,
 * the networks to originate, and the policy objects (prefix lists, route maps).
 */

/** FRR's `ip prefix-list NAME seq N permit|deny PREFIX [ge G] [le L]`. */
export interface PrefixListEntry {
  seq?: number;
  action: "permit" | "deny";
  /** `10.0.0.0/8`, or `any`. */
  prefix: string;
  ge?: number;
  le?: number;
}

/** What a route-map entry matches (all given conditions must hold). */
export interface RouteMapMatch {
  /** The route's prefix is permitted by this prefix list. */
  "prefix-list"?: string;
  /** The route carries this community (`65001:100`, `no-export`...). */
  community?: string;
}

/** What a route-map entry sets on a permitted route. */
export interface RouteMapSet {
  "local-preference"?: number;
  /** MULTI_EXIT_DISC. */
  metric?: number;
  /** Communities to set, e.g. `65001:100 65001:200`, or with ` additive` to add to the existing ones. */
  community?: string;
  /** ASes to prepend to the AS_PATH, e.g. `65001 65001`. */
  "as-path-prepend"?: string;
  /** FRR's local weight (not sent). */
  weight?: number;
}

/** FRR's `route-map NAME permit|deny SEQ` with its `match` and `set` clauses. */
export interface RouteMapEntry {
  seq?: number;
  action: "permit" | "deny";
  match?: RouteMapMatch;
  set?: RouteMapSet;
}

export interface BgpTimers {
  /** Seconds between KEEPALIVEs (FRR default 60). */
  keepalive?: number;
  /** Hold time offered in OPEN (FRR default 180; 0 disables keepalives). */
  hold?: number;
  /** Seconds between attempts to connect (RFC 4271 ConnectRetryTime, default 120). */
  "connect-retry"?: number;
}

export interface BgpNeighborConfig {
  address: string;
  "remote-as": number;
  description?: string;
  /** RFC 4456: this iBGP peer is a client of our route reflector. */
  "route-reflector-client"?: boolean;
  /** Advertise ourselves as the next hop to this (iBGP) peer. */
  "next-hop-self"?: boolean;
  "route-map-in"?: string;
  "route-map-out"?: string;
  "prefix-list-in"?: string;
  "prefix-list-out"?: string;
  /** Only wait for the peer to connect (FRR `neighbor X passive`). */
  passive?: boolean;
  /** Weight of the routes learned from this neighbour (FRR `neighbor X weight`). */
  weight?: number;
  timers?: BgpTimers;
  /** Administratively down (FRR `neighbor X shutdown`). */
  shutdown?: boolean;
}

export interface BgpConfig {
  asn: number;
  "router-id": string;
  /** RFC 4456 cluster ID (defaults to the router ID). */
  "cluster-id"?: string;
  neighbors?: BgpNeighborConfig[];
  /** Prefixes to originate, each when the RIB holds a matching route (FRR's import check). */
  networks?: string[];
  "prefix-lists"?: Record<string, PrefixListEntry[]>;
  "route-maps"?: Record<string, RouteMapEntry[]>;
  timers?: BgpTimers;
}

export const DEFAULT_KEEPALIVE = 60;
export const DEFAULT_HOLD = 180;
export const DEFAULT_CONNECT_RETRY = 120;
/** RFC 4271 §5.1.5 leaves the default LOCAL_PREF to policy; 100 is what every implementation uses. */
export const DEFAULT_LOCAL_PREF = 100;
/** FRR gives locally originated routes this weight, so they win over learned ones. */
export const LOCAL_WEIGHT = 32768;
