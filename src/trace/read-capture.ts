/** Reads a capture file of either format, telling them apart by their first four bytes. */
import { ParseError } from "../wire/parse-error.js";
import type { CaptureFile } from "./capture.js";
import { isPcap, readPcap } from "./pcap.js";
import { isPcapng, readPcapng } from "./pcapng.js";

/**
 * Reads a classic pcap or a pcapng file. Never throws: an unknown format gives an empty capture
 * with an error, a damaged one the frames before the damage and an error.
 */
export function readCapture(bytes: Uint8Array): CaptureFile {
  if (isPcapng(bytes)) return readPcapng(bytes);
  if (isPcap(bytes)) return readPcap(bytes);
  const start = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
  return {
    format: "pcap",
    interfaces: [],
    frames: [],
    comments: [],
    error: new ParseError(
      "capture",
      bytes.length < 4
        ? `file too short (${bytes.length} bytes) to be a pcap or pcapng file`
        : `not a pcap or pcapng file (starts with ${start})`,
      0,
    ),
  };
}
