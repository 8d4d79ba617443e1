// The wire formats, one module per protocol. Each helper adds its own line(s) here.
export * from "./address/ipv4.js";
export * from "./address/ipv6.js";
export * from "./address/mac.js";
export * from "./arp.js";
export * from "./checksum.js";
export * from "./describe.js";
export * from "./ethernet.js";
export * from "./icmpv4.js";
export * from "./ipv4.js";
export * from "./ipv4-options.js";
export * from "./parse-error.js";
export * from "./tcp.js";
export * from "./udp.js";
export * from "./vlan.js";
