// DHCPv4: server, relay agent and client (RFC 2131), over the wire format in src/wire/dhcp.ts.
export * from "./client.js";
export * from "./dns-update.js";
export * from "./pool.js";
export * from "./relay.js";
export * from "./server.js";
export * from "./transport.js";
