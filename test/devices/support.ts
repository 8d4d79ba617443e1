/**
 * Topologies the device tests share.
 */
import { Network, type NetworkOptions } from "../../src/devices/network.js";

/**
 * h1 — r1 — r2 — r3 — h2, static routes:
 *   10.0.1.0/24 (h1 .10, r1 .1), 10.0.12.0/24, 10.0.23.0/24, 10.0.2.0/24 (r3 .1, h2 .10).
 * With `ipv6`, the same plan in IPv6 as well (dual stack): 2001:db8:1::/64 (h1 ::10, r1 ::1),
 * 2001:db8:12::/64, 2001:db8:23::/64, 2001:db8:2::/64 (r3 ::1, h2 ::10), addresses without DAD
 * delay so traffic can start at once.
 */
export function routerChain(
  options: NetworkOptions & { mtu23?: number; loss?: number; ipv6?: boolean } = {},
) {
  const net = new Network(options);
  const h1 = net.addHost("h1");
  const h2 = net.addHost("h2");
  const r1 = net.addRouter("r1");
  const r2 = net.addRouter("r2");
  const r3 = net.addRouter("r3");
  net.connect("h1:eth0", "r1:eth0", { rate: "100Mbit", delay: "1ms" });
  net.connect("r1:eth1", "r2:eth0", {
    rate: "100Mbit",
    delay: "5ms",
    ...(options.loss ? { loss: options.loss } : {}),
  });
  net.connect("r2:eth1", "r3:eth0", {
    rate: "100Mbit",
    delay: "5ms",
    ...(options.mtu23 ? { mtu: options.mtu23 } : {}),
  });
  net.connect("r3:eth1", "h2:eth0", { rate: "100Mbit", delay: "1ms" });
  h1.addAddress("eth0", "10.0.1.10/24");
  h1.setGateway("10.0.1.1");
  h2.addAddress("eth0", "10.0.2.10/24");
  h2.setGateway("10.0.2.1");
  r1.addAddress("eth0", "10.0.1.1/24").addAddress("eth1", "10.0.12.1/24");
  r2.addAddress("eth0", "10.0.12.2/24").addAddress("eth1", "10.0.23.2/24");
  r3.addAddress("eth0", "10.0.23.3/24").addAddress("eth1", "10.0.2.1/24");
  r1.addRoute("10.0.2.0/24", "10.0.12.2");
  r1.addRoute("10.0.23.0/24", "10.0.12.2");
  r2.addRoute("10.0.2.0/24", "10.0.23.3");
  r2.addRoute("10.0.1.0/24", "10.0.12.1");
  r3.addRoute("0.0.0.0/0", "10.0.23.2");
  if (options.ipv6) {
    const nodad = { nodad: true };
    h1.addAddress("eth0", "2001:db8:1::10/64", nodad);
    h1.setGateway("2001:db8:1::1");
    h2.addAddress("eth0", "2001:db8:2::10/64", nodad);
    h2.setGateway("2001:db8:2::1");
    r1.addAddress("eth0", "2001:db8:1::1/64", nodad).addAddress("eth1", "2001:db8:12::1/64", nodad);
    r2.addAddress("eth0", "2001:db8:12::2/64", nodad).addAddress("eth1", "2001:db8:23::2/64", nodad);
    r3.addAddress("eth0", "2001:db8:23::3/64", nodad).addAddress("eth1", "2001:db8:2::1/64", nodad);
    r1.addRoute("2001:db8:2::/64", "2001:db8:12::2");
    r1.addRoute("2001:db8:23::/64", "2001:db8:12::2");
    r2.addRoute("2001:db8:2::/64", "2001:db8:23::3");
    r2.addRoute("2001:db8:1::/64", "2001:db8:12::1");
    r3.addRoute("::/0", "2001:db8:23::2");
  }
  if (options.mtu23) {
    r2.interface("eth1").mtuOverride = options.mtu23;
    r3.interface("eth0").mtuOverride = options.mtu23;
  }
  return { net, h1, h2, r1, r2, r3 };
}
