/**
 * The shortest-path-first calculation of one area (RFC 2328 §16.1): Dijkstra's algorithm over the
 * graph that the router-LSAs and network-LSAs describe, from this router as the root, keeping every
 * equal-cost next hop (§16.1.1, "equal-cost multipath"). Stub networks are added afterwards
 * (§16.1 stage 2), and inter-area routes from summary-LSAs (§16.2) by the caller.
 *
 * Vertices are routers (by router ID) and transit networks (by their DR's interface address, the
 * network-LSA's link state ID). An edge is used only when both ends list each other (§16.1 step
 * 2b, the "bidirectional" check), so a half-dead adjacency carries no traffic.
 */
import { MAX_AGE, type NetworkLsaBody, RouterLinkType, type RouterLsaBody } from "../../wire/ospf/lsa.js";
import type { Lsdb } from "./lsdb.js";

/** A next hop as SPF finds it: the outgoing OSPF interface, and the gateway (0 for directly attached). */
export interface SpfNextHop {
  iface: string;
  gateway: number;
}

export interface SpfVertex {
  kind: "router" | "network";
  /** Router ID, or the network-LSA's link state ID. */
  id: number;
  distance: number;
  /**
   * Never changed in place: a vertex starts with its parent's array (most vertices have one next
   * hop, their parent's) and an equal-cost path replaces it with a merged copy (§16.1 step 2d).
   */
  nextHops: readonly SpfNextHop[];
  /** For a network: its mask; for a router: the router-LSA's flags (B for an ABR). */
  mask: number;
  flags: number;
}

/** What SPF needs to know about the root's own interfaces. */
export interface SpfRootContext {
  routerId: number;
  /** The OSPF interface that has address `address` (the link data of our own links). */
  interfaceByAddress(address: number): string | undefined;
  /** The address of neighbour `routerId` on interface `iface` (for point-to-point links). */
  neighborAddress(iface: string, routerId: number): number | undefined;
}

/** A binary heap of vertices by distance (Dijkstra's candidate list, §16.1 step 3). */
class CandidateHeap {
  private readonly items: SpfVertex[] = [];
  get size(): number {
    return this.items.length;
  }
  push(v: SpfVertex): void {
    const a = this.items;
    a.push(v);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }
  pop(): SpfVertex | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l], a[m])) m = l;
        if (r < a.length && this.less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
  /** §16.1 step 3: at equal distance, networks are taken before routers (so transit next hops are found). */
  private less(a: SpfVertex, b: SpfVertex): boolean {
    if (a.distance !== b.distance) return a.distance < b.distance;
    return a.kind === "network" && b.kind === "router";
  }
}

/** The union of two next-hop sets: `into` itself when `hops` adds nothing, else a new array. */
function mergeHops(into: readonly SpfNextHop[], hops: readonly SpfNextHop[]): readonly SpfNextHop[] {
  let merged: SpfNextHop[] | undefined;
  for (const h of hops) {
    const have = merged ?? into;
    if (!have.some((x) => x.iface === h.iface && x.gateway === h.gateway)) {
      merged ??= [...into];
      merged.push(h);
    }
  }
  return merged ?? into;
}

function vertexKey(kind: "router" | "network", id: number): number {
  // routers and networks share no key: networks get the high bit of a 33-bit key.
  return kind === "router" ? id >>> 0 : (id >>> 0) + 0x1_0000_0000;
}

/** The shortest-path tree: every reachable vertex with its distance and next hops. */
export interface SpfResult {
  /** Routers reached, by router ID. */
  routers: Map<number, SpfVertex>;
  /** Transit networks reached, by link state ID. */
  networks: Map<number, SpfVertex>;
}

/** Runs Dijkstra over `lsdb` from `root` (§16.1). */
export function runSpf(lsdb: Lsdb, root: SpfRootContext): SpfResult {
  const candidates = new Map<number, SpfVertex>();
  const heap = new CandidateHeap();
  const routers = new Map<number, SpfVertex>();
  const networks = new Map<number, SpfVertex>();
  const rootEntry = lsdb.routers.get(root.routerId);
  if (!rootEntry || rootEntry.installedAge >= MAX_AGE) return { routers, networks };
  const rootVertex: SpfVertex = {
    kind: "router",
    id: root.routerId,
    distance: 0,
    nextHops: [],
    mask: 0,
    flags: (rootEntry.lsa.body as RouterLsaBody).flags,
  };
  heap.push(rootVertex);
  candidates.set(vertexKey("router", root.routerId), rootVertex);

  for (;;) {
    const v = heap.pop();
    if (!v) break;
    const vKey = vertexKey(v.kind, v.id);
    if (isDone(v.kind, v.id) || candidates.get(vKey) !== v) continue; // a stale heap entry
    candidates.delete(vKey);
    if (v.kind === "router") routers.set(v.id, v);
    else networks.set(v.id, v);

    if (v.kind === "router") {
      const entry = lsdb.routers.get(v.id);
      if (!entry || entry.installedAge >= MAX_AGE) continue;
      const body = entry.lsa.body as RouterLsaBody;
      for (const link of body.links) {
        if (link.type === RouterLinkType.PointToPoint) {
          const w = lsdb.routers.get(link.id >>> 0);
          if (!w || w.installedAge >= MAX_AGE) continue;
          const back = (w.lsa.body as RouterLsaBody).links.some(
            (l) => l.type === RouterLinkType.PointToPoint && l.id >>> 0 === v.id,
          );
          if (!back) continue;
          let hops: readonly SpfNextHop[];
          if (v === rootVertex) {
            const iface = root.interfaceByAddress(link.data >>> 0);
            const gateway = iface === undefined ? undefined : root.neighborAddress(iface, link.id >>> 0);
            if (iface === undefined || gateway === undefined) continue;
            hops = [{ iface, gateway }];
          } else {
            hops = v.nextHops;
          }
          relax(
            "router",
            link.id >>> 0,
            v.distance + link.metric,
            hops,
            0,
            (w.lsa.body as RouterLsaBody).flags,
          );
        } else if (link.type === RouterLinkType.Transit) {
          const n = lsdb.networks.get(link.id >>> 0);
          if (!n || n.installedAge >= MAX_AGE) continue;
          const nb = n.lsa.body as NetworkLsaBody;
          if (!nb.attachedRouters.some((r) => r >>> 0 === v.id)) continue;
          let hops: readonly SpfNextHop[];
          if (v === rootVertex) {
            const iface = root.interfaceByAddress(link.data >>> 0);
            if (iface === undefined) continue;
            hops = [{ iface, gateway: 0 }];
          } else {
            hops = v.nextHops;
          }
          relax("network", link.id >>> 0, v.distance + link.metric, hops, nb.mask, 0);
        }
      }
    } else {
      const entry = lsdb.networks.get(v.id);
      if (!entry || entry.installedAge >= MAX_AGE) continue;
      const body = entry.lsa.body as NetworkLsaBody;
      for (const r of body.attachedRouters) {
        const w = lsdb.routers.get(r >>> 0);
        if (!w || w.installedAge >= MAX_AGE) continue;
        const wBody = w.lsa.body as RouterLsaBody;
        const link = wBody.links.find((l) => l.type === RouterLinkType.Transit && l.id >>> 0 === v.id);
        if (!link) continue;
        // §16.1.1: a router reached across a network attached to the root is reached directly,
        // its address on that network (the link data of its transit link) being the gateway.
        const hops = v.nextHops.map((h) =>
          h.gateway === 0 ? { iface: h.iface, gateway: link.data >>> 0 } : h,
        );
        relax("router", r >>> 0, v.distance, hops, 0, wBody.flags);
      }
    }
  }
  return { routers, networks };

  /** Whether the vertex is already in the shortest-path tree. */
  function isDone(kind: "router" | "network", id: number): boolean {
    return kind === "router" ? routers.has(id) : networks.has(id);
  }

  function relax(
    kind: "router" | "network",
    id: number,
    distance: number,
    hops: readonly SpfNextHop[],
    mask: number,
    flags: number,
  ): void {
    if (isDone(kind, id)) return;
    const key = vertexKey(kind, id);
    const current = candidates.get(key);
    if (current && current.distance < distance) return;
    if (current && current.distance === distance) {
      current.nextHops = mergeHops(current.nextHops, hops); // §16.1 step 2d: an equal-cost path adds its next hops
      return;
    }
    const vertex: SpfVertex = { kind, id, distance, nextHops: hops, mask, flags };
    candidates.set(key, vertex);
    heap.push(vertex);
  }
}
