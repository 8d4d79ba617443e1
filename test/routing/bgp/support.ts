/** Small BGP labs for the tests: routers joined by /24 links, each with a speaker. */
import { Network } from "../../../src/devices/network.js";
import type { Router } from "../../../src/devices/router.js";
import type { BgpConfig } from "../../../src/routing/bgp/config.js";
import { Bgp } from "../../../src/routing/bgp/speaker.js";
import { SECOND } from "../../../src/sim/time.js";

export interface Lab {
  net: Network;
  r: Record<string, Router>;
  bgp: Record<string, Bgp>;
}

/**
 * `links`: [a, b, subnet index] joins a:ethN and b:ethM on 10.0.<index>.0/24 (a gets .1, b .2).
 * `stubs`: a router's extra LAN 10.<n>.0.0/24 (a host on it so the link is up).
 */
export function lab(
  routers: string[],
  links: [string, string, number][],
  stubs: Record<string, string> = {},
): Omit<Lab, "bgp"> {
  const net = new Network();
  const r: Record<string, Router> = {};
  for (const name of routers) r[name] = net.addRouter(name);
  const next: Record<string, number> = {};
  const port = (name: string) => {
    next[name] = (next[name] ?? 0) + 1;
    return `eth${next[name] - 1}`;
  };
  for (const [a, b, n] of links) {
    const pa = port(a);
    const pb = port(b);
    net.connect(`${a}:${pa}`, `${b}:${pb}`, { name: `${a}-${b}` });
    r[a].addAddress(pa, `10.0.${n}.1/24`);
    r[b].addAddress(pb, `10.0.${n}.2/24`);
  }
  for (const [name, prefix] of Object.entries(stubs)) {
    const p = port(name);
    const host = net.addHost(`${name}-lan`);
    net.connect(`${name}:${p}`, `${name}-lan:eth0`);
    const [a, b, c] = prefix.split(".");
    r[name].addAddress(p, `${a}.${b}.${c}.1/24`);
    host.addAddress("eth0", `${a}.${b}.${c}.10/24`);
    host.setDefaultGateway(`${a}.${b}.${c}.1`);
  }
  return { net, r };
}

/** Starts a speaker on each router with fast timers (keepalive 1 s, hold 3 s, connect-retry 2 s). */
export function startBgp(l: Omit<Lab, "bgp">, configs: Record<string, BgpConfig>): Lab {
  const bgp: Record<string, Bgp> = {};
  for (const [name, config] of Object.entries(configs)) {
    bgp[name] = l.r[name].routing.add(
      new Bgp(l.r[name], { timers: { keepalive: 1, hold: 3, "connect-retry": 2 }, ...config }),
    );
  }
  return { ...l, bgp };
}

export function settle(l: Lab, seconds = 10): void {
  l.net.runFor(seconds * SECOND);
}
