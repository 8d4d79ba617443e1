/** The TAP bridge (Node.js and Linux only): emulated hosts talk to the Linux kernel. See docs/tap.md. */
export { openTapBridge, TapBridge, type TapBridgeOptions } from "./bridge.js";
export { IpCommandError, type LinuxRoute, netnsExists, parseLinuxRoute } from "./ip.js";
export {
  attachTaps,
  bridgeOptionsOf,
  type RunLabOptions,
  runTapLab,
  runUntilInterrupted,
  splice,
  startTapHost,
  type TapAttachment,
  type TapHostLab,
  type TapLabRunOptions,
} from "./lab.js";
export { loadTapAddon, TapUnavailableError, tapUnavailableReason } from "./native.js";
export { RealtimeRunner, type RealtimeRunnerOptions } from "./realtime-runner.js";
export { type TapCounters, TapDevice, type TapOpenOptions } from "./tap-device.js";
export {
  TAP_INBOX_LIMIT,
  TapEndpoint,
  type TapEndpointCounters,
  type TapEndpointOptions,
} from "./tap-endpoint.js";
export { onTeardown, teardownAll } from "./teardown.js";
export { WakeableClock } from "./wake-clock.js";
