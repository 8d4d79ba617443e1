// BGP-4 (RFC 4271) on our routers: the speaker, its sessions, policy and views.
export * from "./config.js";
export * from "./policy.js";
export * from "./session.js";
export * from "./show.js";
export * from "./speaker.js";
