/**
 * The topology as a graph (Cytoscape.js): a device icon per node, its interfaces and addresses on
 * hover, each link labelled with its impairments, zoom and pan, and a choice of layouts.
 *
 * Big labs stay interactive: past {@link BIG} nodes the graph starts with a cheap layout (a grid
 * instead of the force-directed cose, which is quadratic), hides labels until zoomed in, and lets
 * Cytoscape draw a cached texture while the viewport moves.
 */
import cytoscape, { type Core, type ElementDefinition, type LayoutOptions } from "cytoscape";
import { iconFor } from "./icons.js";
import type { LabLink as LinkInfo, LabNode as NodeInfo, LabSnapshot as Topology } from "./model.js";

/** Nodes beyond which the graph switches to cheap layouts and styles. */
export const BIG = 300;

export const LAYOUTS = ["cose", "breadthfirst", "circle", "grid", "concentric"] as const;
export type LayoutName = (typeof LAYOUTS)[number];

/** A link's impairments, short, for its edge label: `100Mbit 4ms loss 1%`. */
export function impairmentLabel(link: LinkInfo): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(link.impairments)) {
    if (value === undefined || value === null || value === "") continue;
    if (key === "rate" || key === "delay") parts.push(String(value));
    else parts.push(`${key} ${value}`);
  }
  if (!link.up) parts.unshift("DOWN");
  return parts.join(" ");
}

function nodeTooltip(node: NodeInfo): string {
  const rows = node.interfaces.map((i) => {
    const lines = [...i.ipv4, ...i.ipv6].map(escapeHtml);
    if (i.vlan !== undefined) lines.push(`access VLAN ${i.vlan}`);
    if (i.trunk) lines.push(`trunk VLANs ${i.trunk.join(", ")}`);
    if (i.mac) lines.push(`<span class="dim">${escapeHtml(i.mac)}</span>`);
    return `<tr><td>${escapeHtml(i.name)}</td><td>${lines.join("<br>") || "<i>no address</i>"}</td></tr>`;
  });
  if (node.gateway) rows.push(`<tr><td>gateway</td><td>${escapeHtml(node.gateway)}</td></tr>`);
  return (
    `<b>${escapeHtml(node.name)}</b> <span class="dim">${escapeHtml(node.kind)}</span>` +
    (rows.length ? `<table>${rows.join("")}</table>` : "")
  );
}

function linkTooltip(link: LinkInfo): string {
  const imp = Object.entries(link.impairments)
    .map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(String(v))}</td></tr>`)
    .join("");
  return (
    `<b>${escapeHtml(link.a.node)}:${escapeHtml(link.a.iface)} — ${escapeHtml(link.b.node)}:${escapeHtml(link.b.iface)}</b>` +
    ` <span class="${link.up ? "ok" : "bad"}">${link.up ? "up" : "down"}</span>` +
    (imp ? `<table>${imp}</table>` : "")
  );
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface GraphEvents {
  onNodeSelect(node: string): void;
  onLinkSelect(link: string): void;
}

export class TopologyGraph {
  readonly cy: Core;
  private topology: Topology = { name: "", file: "", nodes: [], links: [] };
  private readonly tooltip: HTMLElement;
  big = false;

  constructor(
    readonly container: HTMLElement,
    private readonly events: GraphEvents,
  ) {
    this.tooltip = document.createElement("div");
    this.tooltip.className = "tooltip";
    this.tooltip.hidden = true;
    container.parentElement!.appendChild(this.tooltip);
    this.cy = cytoscape({
      container,
      minZoom: 0.05,
      maxZoom: 4,
      boxSelectionEnabled: false,
      style: [
        {
          selector: "node",
          style: {
            "background-image": "data(icon)",
            "background-fit": "cover",
            "background-opacity": 0,
            shape: "round-rectangle",
            width: 38,
            height: 38,
            label: "data(id)",
            "font-size": 13,
            color: "#d0d7de",
            "text-valign": "bottom",
            "text-margin-y": 3,
            "text-outline-color": "#0d1117",
            "text-outline-width": 2,
            "min-zoomed-font-size": 5,
          },
        },
        {
          selector: "node:selected",
          style: { "border-width": 3, "border-color": "#ffd33d", "border-opacity": 1 },
        },
        {
          selector: "node.active",
          style: { "border-width": 3, "border-color": "#58a6ff", "border-opacity": 1 },
        },
        {
          selector: "edge",
          style: {
            width: 2,
            "line-color": "#6e7681",
            "curve-style": "straight",
            label: "data(label)",
            "font-size": 9,
            color: "#8b949e",
            "text-rotation": "autorotate",
            "text-background-color": "#0d1117",
            "text-background-opacity": 0.8,
            "text-background-padding": "1px",
            "min-zoomed-font-size": 6,
          },
        },
        { selector: "edge:selected", style: { "line-color": "#ffd33d", width: 3 } },
        { selector: "edge.down", style: { "line-color": "#f85149", "line-style": "dashed" } },
        { selector: "edge.active", style: { "line-color": "#58a6ff", width: 3 } },
        // Cheap styles for big labs: no labels, thin edges, no images until zoomed in.
        { selector: "node.big", style: { label: "", width: 16, height: 16 } },
        { selector: "edge.big", style: { label: "", width: 1 } },
      ],
    });
    this.cy.on("mouseover", "node", (e) => {
      const node = this.topology.nodes.find((n) => n.name === e.target.id());
      if (node) this.showTooltip(nodeTooltip(node), e.renderedPosition);
    });
    this.cy.on("mouseover", "edge", (e) => {
      const link = this.topology.links.find((l) => l.id === e.target.id());
      if (link) this.showTooltip(linkTooltip(link), e.renderedPosition);
    });
    this.cy.on("mouseout", "node, edge", () => {
      this.tooltip.hidden = true;
    });
    this.cy.on("tap", "node", (e) => this.events.onNodeSelect(e.target.id()));
    this.cy.on("tap", "edge", (e) => this.events.onLinkSelect(e.target.id()));
    this.cy.on("zoom", () => this.keepReadable());
  }

  private showTooltip(html: string, at: { x: number; y: number } | undefined): void {
    this.tooltip.innerHTML = html;
    this.tooltip.hidden = false;
    const x = (at?.x ?? 0) + 14;
    const y = (at?.y ?? 0) + 14;
    const maxX = this.container.clientWidth - this.tooltip.offsetWidth - 4;
    this.tooltip.style.left = `${Math.max(0, Math.min(x, maxX))}px`;
    this.tooltip.style.top = `${y}px`;
  }

  /** Draws a whole topology (a new lab, or a hello after reconnecting). */
  setTopology(topology: Topology): void {
    this.topology = topology;
    this.big = topology.nodes.length > BIG;
    const big = this.big ? "big" : "";
    const elements: ElementDefinition[] = [];
    for (const node of topology.nodes) {
      elements.push({
        group: "nodes",
        data: { id: node.name, kind: node.kind, icon: iconFor(node.kind) },
        classes: big,
      });
    }
    for (const link of topology.links) {
      elements.push({
        group: "edges",
        data: { id: link.id, source: link.a.node, target: link.b.node, label: impairmentLabel(link) },
        classes: `${big} ${link.up ? "" : "down"}`,
      });
    }
    this.cy.batch(() => {
      this.cy.elements().remove();
      this.cy.add(elements);
    });
    // Big graphs: draw a cached bitmap while panning and zooming, skip edges while moving.
    const renderer = (
      this.cy as unknown as { renderer(): { textureOnViewport?: boolean; hideEdgesOnViewport?: boolean } }
    ).renderer();
    renderer.textureOnViewport = this.big;
    renderer.hideEdgesOnViewport = this.big;
    this.layout(this.big ? "grid" : "cose");
  }

  /**
   * Zoomed out to fit a long network, icons and names would shrink past reading: below zoom 1
   * they grow back (up to twice their size) so they stay about the same size on screen. Big labs
   * keep their cheap fixed styles.
   */
  private keepReadable(): void {
    if (this.big) return;
    const grow = Math.min(2, Math.max(1, 1 / this.cy.zoom()));
    const step = Math.round(grow * 8) / 8;
    if (step === this.grown) return;
    this.grown = step;
    this.cy
      .style()
      .selector("node")
      .style({ width: 38 * step, height: 38 * step, "font-size": 13 * step, "text-margin-y": 3 * step })
      .selector("edge")
      .style({ "font-size": 10 * step, width: 2 * Math.sqrt(step) })
      .update();
  }

  private grown = 1;

  /** Adds a node (a host added from the page) without laying out the rest again. */
  addNode(node: NodeInfo, links: LinkInfo[]): void {
    this.topology.nodes.push(node);
    this.topology.links.push(...links);
    const near = links[0]
      ? this.cy.getElementById(links[0].a.node === node.name ? links[0].b.node : links[0].a.node)
      : null;
    const position = near?.nonempty()
      ? { x: near.position("x") + 60, y: near.position("y") + 60 }
      : { x: 0, y: 0 };
    this.cy.add({
      group: "nodes",
      data: { id: node.name, kind: node.kind, icon: iconFor(node.kind) },
      position,
    });
    for (const link of links) {
      this.cy.add({
        group: "edges",
        data: { id: link.id, source: link.a.node, target: link.b.node, label: impairmentLabel(link) },
      });
    }
  }

  /** A link changed (impairments edited, taken down or up). */
  updateLink(link: LinkInfo): void {
    const index = this.topology.links.findIndex((l) => l.id === link.id);
    if (index >= 0) this.topology.links[index] = link;
    const edge = this.cy.getElementById(link.id);
    edge.data("label", impairmentLabel(link));
    if (link.up) edge.removeClass("down");
    else edge.addClass("down");
  }

  /** Nodes changed (addresses learnt by DHCP, a host added): the tooltips read the new ones. */
  updateNodes(nodes: readonly NodeInfo[]): void {
    this.topology.nodes = nodes.map((n) => structuredClone(n));
  }

  link(id: string): LinkInfo | undefined {
    return this.topology.links.find((l) => l.id === id);
  }

  get nodes(): readonly NodeInfo[] {
    return this.topology.nodes;
  }

  get links(): readonly LinkInfo[] {
    return this.topology.links;
  }

  /** The layout last run. */
  current: LayoutName = "cose";

  layout(name: LayoutName): void {
    this.current = name;
    const options: LayoutOptions & Record<string, unknown> = { name, animate: false, fit: true, padding: 30 };
    if (name === "cose")
      Object.assign(options, {
        randomize: false,
        nodeRepulsion: () => 9000,
        idealEdgeLength: () => 70,
        numIter: 1500,
      });
    if (name === "breadthfirst") Object.assign(options, { spacingFactor: 1.1, directed: false });
    if (name === "concentric")
      Object.assign(options, {
        concentric: (n: cytoscape.NodeSingular) => n.degree(false),
        levelWidth: () => 2,
      });
    if (name === "grid") Object.assign(options, { avoidOverlap: true, condense: true });
    // cose refines the positions it starts from: start from a tree drawing, not a random pile, so
    // the same lab comes out the same way each time and untangled.
    if (name === "cose")
      this.cy.layout({ name: "breadthfirst", animate: false, fit: false, directed: false }).run();
    const layout = this.cy.layout(options);
    // Fit again once the icons have grown to stay readable, so none sticks out of the view.
    layout.one("layoutstop", () => {
      this.keepReadable();
      this.cy.fit(undefined, 40);
    });
    layout.run();
  }

  /** Highlights the node and link an event is about. */
  highlight(node: string | undefined, link: string | undefined): void {
    this.cy.batch(() => {
      this.cy.elements(".active").removeClass("active");
      if (node) this.cy.getElementById(node).addClass("active");
      if (link) this.cy.getElementById(link).addClass("active");
    });
  }
}
