/**
 * Renders a topology as a graph description for Graphviz (`dot`) or Mermaid, so a lab file can be
 * seen before it runs: `tinkernet graph lab.yml | dot -Tsvg > lab.svg`. Links to the Linux kernel
 * (`tap:IFACE` endpoints) are drawn to a node of their own for the TAP interface, with its
 * namespace and Linux-side addresses.
 */
import type { ImpairmentSpec, NodeKind, TapLinkSpec, TopologySpec } from "./model.js";

const dotShapes: Record<NodeKind, string> = {
  host: "box",
  server: "box3d",
  router: "ellipse",
  nat: "doubleoctagon",
  switch: "hexagon",
};

function linkLabel(link: { impairments: ImpairmentSpec }): string {
  const { rate, delay, loss, mtu } = link.impairments;
  return [
    rate,
    delay,
    loss !== undefined ? `loss ${loss}` : undefined,
    mtu !== undefined ? `mtu ${mtu}` : undefined,
  ]
    .filter((part) => part !== undefined)
    .join(" ");
}

function addressesOf(topology: TopologySpec, node: string, iface: string): string {
  const spec = topology.nodes.get(node)?.interfaces.get(iface);
  return spec ? [...spec.ipv4, ...spec.ipv6].map(String).join(" ") : "";
}

/** The graph node standing for a TAP interface: `tap:tk0`. */
const tapNode = (tap: TapLinkSpec) => `tap:${tap.name}`;

/** What the Linux side of a TAP link is: `tk0 (Linux TAP, netns lab)`. */
const tapTitle = (tap: TapLinkSpec) => `${tap.name} (Linux TAP${tap.netns ? `, netns ${tap.netns}` : ""})`;

const quote = (text: string) => `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

/** Graphviz DOT: nodes shaped by kind, edges labelled with interfaces and impairments. */
export function toDot(topology: TopologySpec): string {
  const lines = [
    `graph ${quote(topology.name)} {`,
    "  node [fontname=Helvetica];",
    "  edge [fontname=Helvetica, fontsize=10];",
  ];
  for (const node of topology.nodes.values()) {
    lines.push(
      `  ${quote(node.name)} [shape=${dotShapes[node.kind]}, label=${quote(`${node.name}\n(${node.kind})`)}];`,
    );
  }
  for (const link of topology.links) {
    const tail = `${link.a.iface} ${addressesOf(topology, link.a.node, link.a.iface)}`.trim();
    const head = `${link.b.iface} ${addressesOf(topology, link.b.node, link.b.iface)}`.trim();
    const attributes = [`taillabel=${quote(tail)}`, `headlabel=${quote(head)}`];
    const label = linkLabel(link);
    if (label) attributes.push(`label=${quote(label)}`);
    lines.push(`  ${quote(link.a.node)} -- ${quote(link.b.node)} [${attributes.join(", ")}];`);
  }
  for (const tap of topology.taps ?? []) {
    const [name, kind] = [tap.name, tapTitle(tap).slice(tap.name.length + 1)];
    lines.push(`  ${quote(tapNode(tap))} [shape=component, label=${quote(`${name}\n${kind}`)}];`);
    const { node, iface } = tap.endpoint;
    const tail = `${iface} ${addressesOf(topology, node, iface)}`.trim();
    const head = tap.addresses.map(String).join(" ");
    const attributes = [`taillabel=${quote(tail)}`, `headlabel=${quote(head)}`, "style=dashed"];
    const label = linkLabel(tap);
    if (label) attributes.push(`label=${quote(label)}`);
    lines.push(`  ${quote(node)} -- ${quote(tapNode(tap))} [${attributes.join(", ")}];`);
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

const mermaidShapes: Record<NodeKind, [string, string]> = {
  host: ["[", "]"],
  server: ["[(", ")]"],
  router: ["((", "))"],
  nat: ["[/", "\\]"],
  switch: ["{{", "}}"],
};

/** Mermaid flowchart (renders on GitHub and in many editors). */
export function toMermaid(topology: TopologySpec): string {
  const id = (name: string) => name.replace(/[^A-Za-z0-9_]/g, "_");
  const lines = ["graph LR"];
  for (const node of topology.nodes.values()) {
    const [open, close] = mermaidShapes[node.kind];
    lines.push(`  ${id(node.name)}${open}"${node.name} (${node.kind})"${close}`);
  }
  for (const link of topology.links) {
    const label = [`${link.a.iface} — ${link.b.iface}`, linkLabel(link)].filter(Boolean).join(" · ");
    lines.push(`  ${id(link.a.node)} ---|"${label}"| ${id(link.b.node)}`);
  }
  for (const tap of topology.taps ?? []) {
    const tapId = id(tapNode(tap));
    lines.push(`  ${tapId}>"${tapTitle(tap)}"]`);
    const label = [
      `${tap.endpoint.iface} — ${tap.addresses.map(String).join(" ") || tap.name}`,
      linkLabel(tap),
    ]
      .filter(Boolean)
      .join(" · ");
    lines.push(`  ${id(tap.endpoint.node)} -.-|"${label}"| ${tapId}`);
  }
  return `${lines.join("\n")}\n`;
}
