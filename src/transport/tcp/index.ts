// TCP (RFC 9293 and the RFCs that extend it): the public API of the module.
export * from "./config.js";
export * from "./congestion/index.js";
export * from "./connection.js";
export * from "./counters.js";
export * from "./show.js";
export * from "./state.js";
export * from "./tcp-layer.js";
export {
  FakeHost,
  FakeNetwork,
  type FakeNetworkStats,
  type FakePacket,
  type PathConditions,
} from "./testing.js";
