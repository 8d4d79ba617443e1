// tinkernet's public library API.
export * from "./wire/index.js";
