// tinkernet's public library API.

export * from "./link/index.js";
export * from "./trace/index.js";
export * from "./wire/index.js";
