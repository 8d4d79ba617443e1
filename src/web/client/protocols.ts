/**
 * One colour per protocol, for the moving packets, the event list and the legend. A frame takes the
 * colour of its highest layer we name (an HTTP segment is HTTP, not TCP), as Wireshark colours do.
 */
export const PROTOCOL_COLOURS: Record<string, string> = {
  arp: "#e3b341",
  ndp: "#d29922",
  icmp: "#58a6ff",
  icmpv6: "#79c0ff",
  tcp: "#3fb950",
  http: "#a371f7",
  udp: "#f778ba",
  dns: "#ff7b72",
  dhcp: "#ffa657",
  ospf: "#39c5cf",
  rip: "#b3d36b",
  bgp: "#db6d28",
  other: "#8b949e",
};

/** Protocol names as a textbook writes them. */
const NAMES: Record<string, string> = {
  arp: "ARP",
  ndp: "NDP",
  icmp: "ICMP",
  icmpv6: "ICMPv6",
  tcp: "TCP",
  http: "HTTP",
  udp: "UDP",
  dns: "DNS",
  dhcp: "DHCP",
  ospf: "OSPF",
  rip: "RIP",
  bgp: "BGP",
  other: "other",
};

export function protocolKey(protocol: string | undefined): string {
  if (!protocol) return "other";
  const p = protocol.toLowerCase();
  if (p in PROTOCOL_COLOURS) return p;
  if (p === "icmpv4") return "icmp";
  if (p.startsWith("http")) return "http";
  return "other";
}

export function protocolColour(protocol: string | undefined): string {
  return PROTOCOL_COLOURS[protocolKey(protocol)];
}

export function protocolName(protocol: string | undefined): string {
  if (!protocol) return "";
  return NAMES[protocol.toLowerCase()] ?? protocol.toUpperCase();
}

/** The legend: a coloured dot and a name per protocol. */
export function renderLegend(into: HTMLElement): void {
  into.replaceChildren(
    ...Object.keys(PROTOCOL_COLOURS).map((key) => {
      const item = document.createElement("span");
      item.className = "legend-item";
      const dot = document.createElement("i");
      dot.style.background = PROTOCOL_COLOURS[key];
      item.append(dot, NAMES[key]);
      return item;
    }),
  );
}
