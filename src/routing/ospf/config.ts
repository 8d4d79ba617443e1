/**
 * OSPF configuration, shaped like FRR's `router ospf` (and the topology file's `ospf:` key):
 *
 * ```yaml
 * ospf:
 *   router-id: 1.1.1.1
 *   hello-interval: 10        # FRR's defaults; tests lower them to converge fast
 *   dead-interval: 40
 *   areas:
 *     0:
 *       interfaces: [eth0, {name: eth1, cost: 20, network: point-to-point}]
 *     1:
 *       interfaces: [eth2]
 * ```
 */
import { SECOND } from "../../sim/time.js";

export type OspfNetworkType = "broadcast" | "point-to-point";

export interface OspfInterfaceConfig {
  name: string;
  /** Interface output cost (default: reference bandwidth 100 Mbit/s ÷ link rate, at least 1; FRR gives 10 on 10 Mbit, we give 10). */
  cost?: number;
  /** Router priority for DR election (default 1; 0 never DR). */
  priority?: number;
  network?: OspfNetworkType;
  /** Advertise the interface's subnet but send no Hellos (FRR `passive-interface`). */
  passive?: boolean;
  helloInterval?: number;
  deadInterval?: number;
  retransmitInterval?: number;
}

export interface OspfAreaConfig {
  interfaces: (string | OspfInterfaceConfig)[];
}

export interface OspfConfig {
  /** Dotted quad; default: the highest interface address. */
  routerId?: string;
  /** Areas by ID (a number or dotted quad). */
  areas: Record<string, OspfAreaConfig>;
  /** Seconds (default 10, FRR's). */
  helloInterval?: number;
  /** Seconds (default 40). */
  deadInterval?: number;
  /** Seconds between retransmissions of unacknowledged LSAs, DDs and requests (default 5). */
  retransmitInterval?: number;
  /** Nanoseconds from a change to the SPF run (default 200 ms). */
  spfDelay?: number;
  /** Minimum nanoseconds between SPF runs (default 1 s). */
  spfHold?: number;
  /** RFC 2328's MinLSInterval in nanoseconds (default 5 s). */
  minLsInterval?: number;
  /** Nanoseconds adjacency changes are gathered before the router-LSA is originated again (default 1 s). */
  originationDelay?: number;
  /** Administrative distance of OSPF routes (default 110). */
  distance?: number;
}

export const OSPF_DEFAULTS = {
  helloInterval: 10,
  deadInterval: 40,
  retransmitInterval: 5,
  priority: 1,
  cost: 10,
  spfDelay: 200_000_000,
  spfHold: SECOND,
  /** The hold grows up to this while SPF keeps being triggered (FRR's max-holdtime, 5 s). */
  spfMaxHold: 5 * SECOND,
  minLsInterval: 5 * SECOND,
  originationDelay: SECOND,
  /** RFC 2328 Appendix B MinLSArrival. */
  minLsArrival: SECOND,
  /** InfTransDelay, added to an LSA's age when it is sent. */
  transmitDelay: 1,
} as const;

/** An area ID given as a number (`0`) or dotted quad (`0.0.0.1`), as uint32. */
export function parseAreaId(text: string | number): number | undefined {
  if (typeof text === "number")
    return Number.isInteger(text) && text >= 0 && text <= 0xffffffff ? text : undefined;
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n <= 0xffffffff ? n : undefined;
  }
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return (
    ((Number(parts[0]) << 24) | (Number(parts[1]) << 16) | (Number(parts[2]) << 8) | Number(parts[3])) >>> 0
  );
}
