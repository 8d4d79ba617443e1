/**
 * The shapes the views share: the lab as the server describes it (src/web/protocol.ts) plus a few
 * helpers to read it (which link leaves an interface, which node owns an address).
 */
import type { LabEvent, LabLink, LabNode, LabSnapshot } from "../protocol.js";

export type { LabEvent, LabLink, LabNode, LabSnapshot };

/** Virtual nanoseconds as seconds with microseconds: `1.004250 s`. */
export function formatTime(ns: number): string {
  const seconds = Math.floor(ns / 1e9);
  const rest = ns - seconds * 1e9;
  return `${seconds}.${String(Math.floor(rest / 1e3)).padStart(6, "0")} s`;
}

/** Lookups over one snapshot of the lab. */
export class LabIndex {
  private readonly byEndpoint = new Map<string, LabLink>();
  private readonly owners = new Map<string, string>();

  constructor(readonly lab: LabSnapshot) {
    for (const link of lab.links) {
      this.byEndpoint.set(`${link.a.node}:${link.a.iface}`, link);
      this.byEndpoint.set(`${link.b.node}:${link.b.iface}`, link);
    }
    for (const node of lab.nodes) {
      for (const iface of node.interfaces) {
        for (const address of [...iface.ipv4, ...iface.ipv6])
          this.owners.set(address.split("/")[0], node.name);
      }
    }
  }

  link(id: string | undefined): LabLink | undefined {
    return id === undefined ? undefined : this.lab.links.find((l) => l.id === id);
  }

  /** The link plugged into `node:iface`. */
  linkAt(node: string, iface: string): LabLink | undefined {
    return this.byEndpoint.get(`${node}:${iface}`);
  }

  /** The node at the other end of a link from `node`. */
  peer(link: LabLink, node: string): string {
    return link.a.node === node ? link.b.node : link.a.node;
  }

  /** The node that has `address` (no prefix length) on an interface. */
  ownerOf(address: string): string | undefined {
    return this.owners.get(address);
  }

  node(name: string): LabNode | undefined {
    return this.lab.nodes.find((n) => n.name === name);
  }
}
