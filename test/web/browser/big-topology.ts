/**
 * A big lab for the web lab's scale test: `routers` routers in a ring, each with a switch and
 * `hostsPerSwitch` hosts on it (20 routers × 48 hosts: 1,000 nodes and 1,000 links). Addresses are
 * written out: 10.R.0.0/24 behind router R, 172.16.R.0/30 from router R to the next; the routers
 * find their routes by tinkernet's automatic routing.
 */
export function bigTopology(routers = 20, hostsPerSwitch = 48): string {
  const lines = ["name: big", "topology:", "  nodes:"];
  const links: string[] = [];
  for (let r = 0; r < routers; r++) {
    const next = (r + 1) % routers;
    const prev = (r + routers - 1) % routers;
    lines.push(
      `    r${r}:`,
      "      kind: router",
      "      interfaces:",
      `        eth0: {ipv4: 10.${r}.0.1/24}`,
      `        eth1: {ipv4: 172.16.${r}.1/30}`,
      `        eth2: {ipv4: 172.16.${prev}.2/30}`,
      `    s${r}:`,
      "      kind: switch",
    );
    links.push(`    - {endpoints: ["r${r}:eth0", "s${r}:eth0"]}`);
    links.push(`    - {endpoints: ["r${r}:eth1", "r${next}:eth2"], delay: 1ms}`);
    for (let h = 0; h < hostsPerSwitch; h++) {
      lines.push(
        `    h${r}-${h}:`,
        "      kind: host",
        "      interfaces:",
        `        eth0: {ipv4: 10.${r}.0.${h + 10}/24}`,
        `      gateway: 10.${r}.0.1`,
      );
      links.push(`    - {endpoints: ["h${r}-${h}:eth0", "s${r}:eth${h + 1}"]}`);
    }
  }
  return [...lines, "  links:", ...links, ""].join("\n");
}
