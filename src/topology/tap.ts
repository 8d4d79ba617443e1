/**
 * TAP links in topology files: `endpoints: ["h1:eth0", "tap:tk0"]` joins an emulated interface to
 * the Linux kernel through TAP interface `tk0`, and the link's `tap:` key configures the Linux side:
 *
 * ```yaml
 * links:
 *   - endpoints: ["h1:eth0", "tap:tk0"]
 *     tap: { netns: lab, address: 10.99.0.1/24, routes: ["10.0.0.0/8 via 10.99.0.2"] }
 * ```
 *
 * This module holds the checks that need no Linux (the loader runs anywhere); src/platform/tap
 * does the rest when the lab runs.
 */
import { Ipv4Address, Ipv4Prefix } from "../wire/address/ipv4.js";

/** The pseudo-node of TAP endpoints: `tap:IFACE`. No node may take this name. */
export const TAP_NODE = "tap";

/** Linux interface names: 1-15 characters, no slash, no whitespace, not "." or "..". */
export function tapNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > 15)
    return `"${name}" is not 1 to 15 characters long (Linux's IFNAMSIZ)`;
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || name === "." || name === "..") {
    return `"${name}" is not a Linux interface name (letters, digits, "_", "." and "-")`;
  }
  return undefined;
}

/** A Linux-side route: `PREFIX [via ADDRESS] [dev IFACE]` or `default via ADDRESS`. */
export interface TapRouteSpec {
  to: Ipv4Prefix;
  via?: Ipv4Address;
  dev?: string;
  /** As written, for the `ip route` command. */
  text: string;
}

/** Parses a route as `ip route` takes it; a string is the problem. */
export function parseTapRoute(text: string): TapRouteSpec | string {
  const words = text.trim().split(/\s+/);
  const [first, ...rest] = words;
  const to = first === "default" ? Ipv4Prefix.parse("0.0.0.0/0") : Ipv4Prefix.tryParse(first ?? "");
  if (!to || (first !== "default" && !first.includes("/"))) {
    return `route "${text}": expected a prefix such as 10.0.0.0/8 or "default" first`;
  }
  const route: TapRouteSpec = { to, text: words.join(" ") };
  for (let i = 0; i < rest.length; i += 2) {
    const key = rest[i];
    const value = rest[i + 1];
    if (value === undefined) return `route "${text}": "${key}" needs a value`;
    if (key === "via") {
      const via = Ipv4Address.tryParse(value);
      if (!via) return `route "${text}": "${value}" is not an IPv4 address`;
      route.via = via;
    } else if (key === "dev") route.dev = value;
    else return `route "${text}": unknown word "${key}" (expected via or dev)`;
  }
  if (!route.via && !route.dev && first === "default") return `route "${text}": a default route needs "via"`;
  return route;
}
