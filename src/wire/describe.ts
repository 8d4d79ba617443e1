/**
 * How a layer explains itself to a learner: the same structure feeds `tinkernet decode`, the
 * shell's `layers` view (hex dump labelled by field) and the web lab's packet inspector.
 */

/** Where a layer sits in the two models a textbook teaches. */
export interface LayerPlace {
  /** OSI layer, e.g. `"2 Data link"`. */
  osi: string;
  /** TCP/IP (RFC 1122) layer, e.g. `"Link"`. */
  tcpip: string;
}

export const OSI_DATA_LINK: LayerPlace = { osi: "2 Data link", tcpip: "Link" };
export const OSI_NETWORK: LayerPlace = { osi: "3 Network", tcpip: "Internet" };
export const OSI_TRANSPORT: LayerPlace = { osi: "4 Transport", tcpip: "Transport" };
export const OSI_APPLICATION: LayerPlace = { osi: "7 Application", tcpip: "Application" };

/** One field, as a learner reads it. */
export interface FieldDescription {
  /** Field name as the standard calls it, e.g. `"Time to Live"`. */
  name: string;
  /** The value as text, e.g. `"64"` or `"0x4500"`. */
  value: string;
  /** What it means here, e.g. `"hops left before a router discards the packet"`. */
  meaning?: string;
  /** Byte offset of the field within this layer's bytes (for hex-dump labelling). */
  offset?: number;
  /** Length of the field in bytes (bit fields give the bytes that hold them). */
  length?: number;
  /** Nested fields (e.g. TCP options). */
  children?: FieldDescription[];
}

/** A whole layer: its place in the models, a one-line summary and the fields. */
export interface LayerDescription extends LayerPlace {
  /** Machine name, e.g. `"ipv4"`. */
  layer: string;
  /** The protocol's full name, e.g. `"Internet Protocol version 4"`. */
  title: string;
  /** One line, as tcpdump would summarize it. */
  summary: string;
  fields: FieldDescription[];
}

/** Renders a layer description as indented text lines. */
export function formatLayer(description: LayerDescription, indent = ""): string {
  const lines = [
    `${indent}${description.title} — OSI layer ${description.osi}, TCP/IP ${description.tcpip} layer`,
    `${indent}  ${description.summary}`,
  ];
  const walk = (fields: FieldDescription[], depth: number) => {
    for (const field of fields) {
      const pad = `${indent}${"  ".repeat(depth + 1)}`;
      lines.push(`${pad}${field.name}: ${field.value}${field.meaning ? `  (${field.meaning})` : ""}`);
      if (field.children) walk(field.children, depth + 1);
    }
  };
  walk(description.fields, 0);
  return lines.join("\n");
}

/** `0x` and zero-padded hex. */
export function hex(value: number, digits: number): string {
  return `0x${value.toString(16).padStart(digits, "0")}`;
}
