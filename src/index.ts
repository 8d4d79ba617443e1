// tinkernet's public library API.

export * from "./devices/index.js";
export * from "./link/index.js";
export * from "./net/index.js";
export * from "./routing/index.js";
export * from "./trace/index.js";
export * from "./wire/index.js";
