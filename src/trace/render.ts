/**
 * The learner's text view of a decoded frame: a header line, then each layer with its place in
 * the OSI and TCP/IP models and its fields with their meanings (via the wire formats' describeX).
 */
import { formatLayer } from "../wire/describe.js";
import type { CaptureFrame, CaptureInterface } from "./capture.js";
import type { DecodedFrame } from "./decode.js";
import { linkTypeName } from "./linktype.js";

/** A nanosecond Unix timestamp as `2024-05-01 12:00:00.123456789 UTC`. */
export function formatTimestamp(ns: bigint): string {
  const seconds = ns / 1_000_000_000n;
  const fraction = String(ns % 1_000_000_000n).padStart(9, "0");
  // Calendar arithmetic only (no clock is read); valid for any 64-bit pcap timestamp.
  const date = new Date(Number(seconds) * 1000);
  if (Number.isNaN(date.getTime())) return `${seconds}.${fraction} s`;
  return `${date.toISOString().slice(0, 19).replace("T", " ")}.${fraction} UTC`;
}

/** A nanosecond timestamp as seconds with nine decimals, the way tshark's `frame.time_epoch` shows it. */
export function epochText(ns: bigint): string {
  return `${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, "0")}`;
}

/** Renders one frame for reading. `number` counts from 1. */
export function renderFrameText(
  number: number,
  frame: CaptureFrame,
  iface: CaptureInterface | undefined,
  decoded: DecodedFrame,
): string {
  const where = iface
    ? `${iface.name ? `${iface.name}, ` : ""}link type ${linkTypeName(iface.linkType)}`
    : `link type ${linkTypeName(frame.linkType)}`;
  const lines = [
    `Frame ${number}: ${frame.originalLength} bytes on the wire, ${frame.data.length} captured` +
      `${decoded.truncated ? " (cut by the snap length)" : ""}, ${where}, ${formatTimestamp(frame.timestampNs)}` +
      `${frame.direction ? `, ${frame.direction}` : ""}`,
  ];
  for (const comment of frame.comments) lines.push(`  Comment: ${comment}`);
  for (const layer of decoded.layers) {
    const error = layer.fields.error;
    if (typeof error === "string") {
      lines.push(
        `  ${layer.fields.layer}: cannot decode: ${error} (at byte ${layer.fields.offset} of the frame)`,
      );
      continue;
    }
    for (const description of layer.describe()) lines.push(formatLayer(description, "  "));
  }
  return lines.join("\n");
}
