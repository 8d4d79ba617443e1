// NAT (RFC 3022 NAPT with the RFC 4787/5382/5508 behaviours): a router feature, through IPv4 hooks.
export * from "./config.js";
export * from "./events.js";
export * from "./nat.js";
export * from "./rewrite.js";
export * from "./show.js";
export * from "./table.js";
export * from "./tcp-state.js";
