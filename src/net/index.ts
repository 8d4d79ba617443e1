// The network layer. Each helper adds its own line(s) here.

export * from "./arp-cache.js";
export * from "./counters.js";
export * from "./firewall/index.js";
export * from "./fragmentation.js";
export * from "./frame-pool.js";
export * from "./hooks.js";
export * from "./icmp.js";
export * from "./interface.js";
export * from "./ipv4-layer.js";
export * from "./lpm/ipv4-lpm.js";
export * from "./lpm/ipv6-lpm.js";
export * from "./lpm/synthetic-table.js";
export * from "./nat/index.js";
export * from "./network-layer.js";
export * from "./reassembly.js";
export * from "./routing-table.js";
export * from "./show-ip-route.js";
