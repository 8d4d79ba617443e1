// Devices: nodes (hosts, routers) composed from the stack, and the Network that wires them.
export * from "./host.js";
export * from "./network.js";
export * from "./node.js";
export * from "./router.js";
