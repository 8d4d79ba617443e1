/**
 * Where a NAT stands between two hosts. A NAT (RFC 3022, RFC 4787) lets the hosts on its inside
 * start conversations outward, but a host outside cannot start one inward: the inside addresses
 * are private (RFC 1918), nobody outside has a route to them, and nothing but a mapping the
 * inside created (or a port forward, which an echo request never matches) leads in. `pingall`
 * uses this to tell the pairs that cannot work by design from the pairs that fail.
 *
 * The NAT's own configuration says which of its interfaces are inside; the topology says which
 * nodes lie behind them: every node reachable from an inside interface without crossing the NAT.
 * When the inside has another way out (a second uplink that bypasses the NAT), the outside reaches
 * it too, and its nodes count as behind the NAT for nobody.
 */
import type { Network } from "../devices/network.js";

/** The nodes behind one NAT: reachable from its inside without crossing it. */
export interface NatInside {
  /** The NAT's node. */
  nat: string;
  /** Hosts, routers and switches on the inside. */
  nodes: ReadonlySet<string>;
}

/** The node of a link end named `node:iface` (an end named otherwise, a TAP's, is its own). */
function nodeOf(end: string): string {
  const colon = end.indexOf(":");
  return colon < 0 ? end : end.slice(0, colon);
}

/** Every NAT of the network with the nodes behind it (NATs whose inside leads outside are left out). */
export function natInsides(network: Network): NatInside[] {
  // Who is wired to whom, interface by interface.
  const neighbours = new Map<string, { iface: string; peer: string }[]>();
  for (const link of network.links) {
    for (const [mine, theirs] of [
      [link.a.name, link.b.name],
      [link.b.name, link.a.name],
    ]) {
      const node = nodeOf(mine);
      const list = neighbours.get(node) ?? [];
      list.push({ iface: mine.slice(node.length + 1), peer: nodeOf(theirs) });
      neighbours.set(node, list);
    }
  }
  const result: NatInside[] = [];
  for (const node of network.nodes) {
    const nat = node.nat;
    if (!nat) continue;
    const inside = new Set<string>();
    const queue: string[] = [];
    let leaksOut = false;
    for (const { iface, peer } of neighbours.get(node.name) ?? []) {
      // Sub-interfaces (eth0.10) are inside or outside as the NAT names them.
      if (nat.isInsideInterface(iface) && !inside.has(peer) && peer !== node.name) {
        inside.add(peer);
        queue.push(peer);
      }
    }
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      for (const { peer } of neighbours.get(next) ?? []) {
        if (peer === node.name || inside.has(peer)) continue;
        inside.add(peer);
        queue.push(peer);
      }
    }
    // The inside reaches the NAT's outside link some other way: no barrier to speak of.
    for (const { iface, peer } of neighbours.get(node.name) ?? [])
      if (!nat.isInsideInterface(iface) && inside.has(peer)) leaksOut = true;
    if (!leaksOut && inside.size > 0) result.push({ nat: node.name, nodes: inside });
  }
  return result;
}

/**
 * The NAT that keeps `source` from starting a conversation with `target`: `target` is behind it
 * and `source` is neither behind it nor the NAT itself. Undefined when nothing stands between them.
 */
export function natBetween(
  insides: readonly NatInside[],
  source: string,
  target: string,
): string | undefined {
  for (const { nat, nodes } of insides)
    if (nodes.has(target) && !nodes.has(source) && source !== nat) return nat;
  return undefined;
}
