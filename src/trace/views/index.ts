/**
 * Learning views over trace events: the shell's `trace` (sequenceDiagram), `layers` (layersView)
 * and `capture` (startCapture) commands, the routing log (`trace NODE ospf|rip|bgp|routes`,
 * routingLogView), and the demo's narration.
 */
export * from "./exchange.js";
export * from "./labels.js";
export * from "./layers.js";
export * from "./live-capture.js";
export * from "./packets.js";
export * from "./recorder.js";
export * from "./routing-log.js";
export * from "./sequence.js";
