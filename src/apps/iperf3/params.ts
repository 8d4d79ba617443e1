/**
 * The test parameters a client sends in PARAM_EXCHANGE (iperf_api.c send_parameters/get_parameters).
 * Keys are iperf's own; a key is present only when the option is set, except the ones iperf always
 * sends (`omit`, `time`, `num`, `blockcount`, `parallel`, `len`, `pacing_timer`, `client_version`).
 */
import { Iperf3Error, Iperf3ProtocolError } from "./protocol.js";

/** iperf 3.12's TCP default block size (DEFAULT_TCP_BLKSIZE, 128 KiB). */
export const DEFAULT_TCP_BLOCK_SIZE = 128 * 1024;
/** iperf's MAX_BLOCKSIZE (1 MiB) and MAX_STREAMS (128). */
export const MAX_BLOCK_SIZE = 1024 * 1024;
export const MAX_STREAMS = 128;
/** The version we claim: the protocol is 3.12's. */
export const IPERF3_VERSION = "3.12";

export interface Iperf3Parameters {
  /** Seconds to transmit (-t); 0 when a byte or block count ends the test. */
  time: number;
  /** Bytes to transmit (-n), 0: not used. */
  num: number;
  /** Blocks to transmit (-k), 0: not used. */
  blockcount: number;
  /** Seconds at the start not counted (-O). */
  omit: number;
  /** Parallel streams (-P). */
  parallel: number;
  /** Block size of each write (-l). */
  len: number;
  /** Server sends, client receives (-R). */
  reverse: boolean;
  /** Ask for the server's output in the results (--get-server-output). */
  getServerOutput: boolean;
  /** Target bit rate per stream (-b), 0: unlimited (iperf's TCP default). */
  bandwidth: number;
  /** TCP_NODELAY (-N). */
  noDelay: boolean;
  /** The other side's version, when it said. */
  clientVersion?: string;
}

export function defaultParameters(): Iperf3Parameters {
  return {
    time: 10,
    num: 0,
    blockcount: 0,
    omit: 0,
    parallel: 1,
    len: DEFAULT_TCP_BLOCK_SIZE,
    reverse: false,
    getServerOutput: false,
    bandwidth: 0,
    noDelay: false,
  };
}

/** The JSON a 3.12 client sends, key for key in its order. */
export function parametersToJson(p: Iperf3Parameters): Record<string, unknown> {
  const json: Record<string, unknown> = {
    tcp: true,
    omit: p.omit,
    time: p.time,
    num: p.num,
    blockcount: p.blockcount,
    parallel: p.parallel,
  };
  if (p.reverse) json.reverse = true;
  if (p.noDelay) json.nodelay = true;
  json.len = p.len;
  if (p.bandwidth) json.bandwidth = p.bandwidth;
  json.pacing_timer = 1000;
  if (p.getServerOutput) json.get_server_output = 1;
  json.client_version = IPERF3_VERSION;
  return json;
}

function number(json: Record<string, unknown>, key: string, fallback: number): number {
  const value = json[key];
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : fallback;
}

function flag(json: Record<string, unknown>, key: string): boolean {
  const value = json[key];
  return value === true || (typeof value === "number" && value !== 0);
}

/**
 * Reads a client's parameters, refusing what this implementation does not do (UDP, SCTP,
 * bidirectional tests) with the error number a real server would send.
 */
export function parametersFromJson(json: Record<string, unknown>): Iperf3Parameters | Iperf3ProtocolError {
  if (flag(json, "udp") || flag(json, "sctp") || !flag(json, "tcp")) {
    return new Iperf3ProtocolError("only TCP tests are supported", Iperf3Error.IEUNIMP);
  }
  if (flag(json, "bidirectional")) {
    return new Iperf3ProtocolError("bidirectional tests are not supported", Iperf3Error.IEUNIMP);
  }
  const p = defaultParameters();
  p.time = number(json, "time", 10);
  p.num = number(json, "num", 0);
  p.blockcount = number(json, "blockcount", 0);
  p.omit = number(json, "omit", 0);
  p.parallel = Math.floor(number(json, "parallel", 1));
  p.len = Math.floor(number(json, "len", DEFAULT_TCP_BLOCK_SIZE)) || DEFAULT_TCP_BLOCK_SIZE;
  p.reverse = flag(json, "reverse");
  p.getServerOutput = flag(json, "get_server_output");
  p.bandwidth = number(json, "bandwidth", 0);
  p.noDelay = flag(json, "nodelay");
  if (typeof json.client_version === "string") p.clientVersion = json.client_version;
  if (p.parallel < 1 || p.parallel > MAX_STREAMS) {
    return new Iperf3ProtocolError(`${p.parallel} parallel streams`, Iperf3Error.IENUMSTREAMS);
  }
  if (p.len > MAX_BLOCK_SIZE) return new Iperf3ProtocolError(`block size ${p.len}`, Iperf3Error.IEBLOCKSIZE);
  if (p.time === 0 && p.num === 0 && p.blockcount === 0) {
    return new Iperf3ProtocolError("no end condition", Iperf3Error.IEENDCONDITIONS);
  }
  return p;
}

/**
 * The stream ids iperf gives streams in the order they connect: 1, then 3, 4, 5, ... (iperf_api.c
 * iperf_add_stream counts from 2 and pre-increments past the head, so 2 is never used). The
 * results exchange matches streams by these ids, so both sides must number them alike.
 */
export function streamId(index: number): number {
  return index === 0 ? 1 : index + 2;
}
