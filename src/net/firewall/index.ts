// A stateful firewall (connection tracking, zones, rules with hit counters) through IPv4 hooks.
export * from "./conntrack.js";
export * from "./firewall.js";
export * from "./rules.js";
export * from "./show.js";
