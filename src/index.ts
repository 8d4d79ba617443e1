// tinkernet's public library API.
export * from "./trace/index.js";
export * from "./wire/index.js";
export * from "./link/index.js";
