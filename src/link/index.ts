// Links (L1) and switches (L2): point-to-point links with impairments, the learning switch, VLANs.
export * from "./endpoint.js";
export * from "./gilbert-elliott.js";
export * from "./impairments.js";
export * from "./link.js";
export * from "./mac-table.js";
export * from "./queue.js";
export * from "./show-mac.js";
export * from "./switch.js";
