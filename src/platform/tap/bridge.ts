/**
 * Everything the Linux side of a TAP bridge needs, in one call: the namespace (created if missing
 * and removed at teardown if we created it), the TAP interface inside it, its MTU, addresses and
 * routes, and teardown at exit. The emulated side (ARP, IPv4 and above) is whatever is plugged
 * into the endpoint; this file only prepares the kernel's half of the cable.
 *
 * The commands are the ones docs/tap.md shows, so a reader can do by hand what the bridge does:
 *   ip netns add lab; ip -n lab link set lo up
 *   (open /dev/net/tun inside lab, TUNSETIFF tk0 IFF_TAP|IFF_NO_PI)
 *   ip -n lab link set dev tk0 mtu 1500 up
 *   ip -n lab addr replace 10.99.0.1/24 dev tk0
 *   ip -n lab route replace 10.0.0.0/8 via 10.99.0.2
 */
import { spawnSync } from "node:child_process";
import { ip, ipSync, type LinuxRoute, netnsExists, parseLinuxRoute, routeArgs } from "./ip.js";
import { TapDevice } from "./tap-device.js";
import { onTeardown } from "./teardown.js";

export interface TapBridgeOptions {
  /** Interface name (at most 15 characters), e.g. tk0. */
  name: string;
  /** Network namespace for the interface; created if missing (and then removed at teardown). */
  netns?: string;
  /** Linux-side address(es) with prefix length, e.g. 10.99.0.1/24. */
  address?: string | string[];
  /** Linux-side routes, e.g. "10.0.0.0/8 via 10.99.0.2" (gateway mode), or objects. */
  routes?: (string | LinuxRoute)[];
  /** Interface MTU (default 1500). */
  mtu?: number;
  /** Linux-side MAC address (default: the kernel picks a random one). */
  mac?: string;
  /** Keep IPv6 on (default false: no router solicitations or MLD reports on a lab interface). */
  ipv6?: boolean;
  /** Let the namespace forward IPv4 between its interfaces (for routes beyond the TAP). */
  forwarding?: boolean;
}

/** How many open bridges use each namespace we created (removed when the last one closes). */
const createdNamespaces = new Map<string, number>();

export class TapBridge {
  private unregister: () => void;
  private closed = false;

  /** @internal use {@link openTapBridge} */
  constructor(
    readonly device: TapDevice,
    readonly options: Readonly<TapBridgeOptions>,
    /** Whether we created the namespace (and so remove it). */
    readonly createdNetns: boolean,
  ) {
    this.unregister = onTeardown(() => this.close());
  }

  get name(): string {
    return this.device.name;
  }

  get netns(): string | undefined {
    return this.options.netns;
  }

  /** Closes the interface and removes the namespace if we created it and nothing else uses it. Synchronous. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unregister();
    this.device.close();
    if (this.options.netns && this.createdNetns) releaseNamespace(this.options.netns);
  }
}

/** Creates or opens the TAP interface and configures the Linux side. Needs root and the addon. */
export async function openTapBridge(options: TapBridgeOptions): Promise<TapBridge> {
  const netns = options.netns;
  const routes: LinuxRoute[] = [];
  for (const route of options.routes ?? []) {
    const parsed = typeof route === "string" ? parseLinuxRoute(route) : route;
    if (typeof parsed === "string") throw new Error(`tap ${options.name}: ${parsed}`);
    routes.push(parsed);
  }
  let created = false;
  if (netns) {
    if (createdNamespaces.has(netns)) {
      createdNamespaces.set(netns, createdNamespaces.get(netns)! + 1);
      created = true;
    } else if (!netnsExists(netns)) {
      await ip(undefined, "netns", "add", netns);
      createdNamespaces.set(netns, 1);
      created = true;
      await ip(netns, "link", "set", "dev", "lo", "up");
    }
  }
  let device: TapDevice;
  try {
    device = TapDevice.open(options.name, netns ? { netns } : {});
  } catch (error) {
    if (created) releaseNamespace(netns!);
    throw error;
  }
  const bridge = new TapBridge(device, { ...options }, created);
  try {
    await configureLinuxSide(bridge.name, options, routes);
  } catch (error) {
    bridge.close();
    throw error;
  }
  return bridge;
}

function releaseNamespace(netns: string): void {
  const users = (createdNamespaces.get(netns) ?? 1) - 1;
  if (users > 0) createdNamespaces.set(netns, users);
  else {
    createdNamespaces.delete(netns);
    ipSync(undefined, "netns", "del", netns);
  }
}

async function configureLinuxSide(
  name: string,
  options: TapBridgeOptions,
  routes: LinuxRoute[],
): Promise<void> {
  const netns = options.netns;
  if (!options.ipv6) sysctl(netns, `net.ipv6.conf.${name}.disable_ipv6`, "1");
  if (options.forwarding) sysctl(netns, "net.ipv4.ip_forward", "1");
  const link = ["link", "set", "dev", name, "mtu", String(options.mtu ?? 1500)];
  if (options.mac) link.push("address", options.mac);
  await ip(netns, ...link, "up");
  const addresses = options.address === undefined ? [] : [options.address].flat();
  for (const address of addresses) await ip(netns, "addr", "replace", address, "dev", name);
  for (const route of routes) await ip(netns, ...routeArgs(route, name));
}

/** Sets a sysctl inside the namespace (`ip netns exec NS sysctl -qw KEY=VALUE`). */
function sysctl(netns: string | undefined, key: string, value: string): void {
  const command = netns
    ? ["ip", ["netns", "exec", netns, "sysctl", "-qw", `${key}=${value}`]]
    : ["sysctl", ["-qw", `${key}=${value}`]];
  const result = spawnSync(command[0] as string, command[1] as string[], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`sysctl ${key}=${value}: ${result.stderr || result.error}`);
}
