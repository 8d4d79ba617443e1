// tinkernet's public library API.
export * from "./wire/index.js";
export * from "./trace/index.js";
