// tinkernet's public library API.

// The tools a program may want without the shell.
export { ping } from "./apps/ping.js";
export * from "./devices/index.js";
export * from "./link/index.js";
export * from "./net/index.js";
export * from "./routing/index.js";
export { type BuildOptions, type BuildResult, type BuiltLab, buildNetwork } from "./topology/build.js";

// Topology files in code: load a file (errors located by line and column), build its network.
export { type LoadResult, loadTopology } from "./topology/loader.js";
export type { TopologySpec } from "./topology/model.js";
export * from "./trace/index.js";
export * from "./wire/index.js";
