/** iperf3 (the 3.12 protocol) for emulated hosts and for Node sockets. */

export {
  type Iperf3ClientOptions,
  type Iperf3ClientResult,
  type Iperf3Connect,
  runIperf3Client,
} from "./client.js";
export { type Iperf3Clock, schedulerClock } from "./clock.js";
export {
  DEFAULT_TCP_BLOCK_SIZE,
  defaultParameters,
  IPERF3_VERSION,
  type Iperf3Parameters,
} from "./params.js";
export { COOKIE_SIZE, Iperf3Error, Iperf3ProtocolError, Iperf3State } from "./protocol.js";
export { formatBitrate, formatTransfer } from "./report.js";
export { Iperf3Server, type Iperf3ServerCounters, type Iperf3ServerOptions } from "./server.js";
export type { Iperf3Cpu, Iperf3Socket } from "./session.js";
