// DNS: zones and an authoritative server, a recursive caching resolver, the stub resolver, dig
// and nslookup, over the wire format in src/wire/dns.ts.
export * from "./cache.js";
export * from "./dig.js";
export * from "./resolv-conf.js";
export * from "./resolver.js";
export * from "./server.js";
export * from "./stub.js";
export * from "./transport.js";
export * from "./zone.js";
