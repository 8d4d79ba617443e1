/**
 * One packet, layer by layer, the way a textbook draws encapsulation: where each header sits in the
 * OSI and the TCP/IP models side by side, every field with its value and what it means, and a hex
 * dump whose bytes are labelled with the field they belong to.
 *
 * Each field gets a tag (a letter for its layer, then a digit: `I8` is the 8th field of the IPv4
 * header) that appears both in the field list and under the first byte of the field in the dump,
 * so the learner can find "Time to Live" among the bytes. The fields, meanings and byte offsets come
 * from the wire formats' own `describeX` (via the frame decoder); nothing here knows a format.
 */
import type { FieldDescription, LayerDescription } from "../../wire/describe.js";
import { decodeFrame } from "../decode.js";
import type { FrameEvent } from "../events.js";
import { LINKTYPE_ETHERNET } from "../linktype.js";

export interface LayersViewOptions {
  /** The frame's link type (default Ethernet). */
  linkType?: number;
  /** Include the labelled hex dump (default true). */
  hex?: boolean;
  /** Include each field's meaning (default true). */
  meanings?: boolean;
  /** The time shown for a frame event is measured from this virtual time (default 0). */
  timeOrigin?: number;
}

/** The OSI model, top down, with its TCP/IP (RFC 1122) counterpart. */
const MODEL: readonly { osi: string; tcpip: string }[] = [
  { osi: "7 Application", tcpip: "Application" },
  { osi: "6 Presentation", tcpip: "Application" },
  { osi: "5 Session", tcpip: "Application" },
  { osi: "4 Transport", tcpip: "Transport" },
  { osi: "3 Network", tcpip: "Internet" },
  { osi: "2 Data link", tcpip: "Link" },
  { osi: "1 Physical", tcpip: "Link" },
];

/** Letter of a layer's tags. */
const TAG_LETTERS: Record<string, string> = {
  ethernet: "E",
  vlan: "Q",
  arp: "A",
  ipv4: "I",
  ipv6: "I",
  icmpv4: "C",
  icmpv6: "C",
  tcp: "T",
  udp: "U",
  payload: "D",
  sll: "L",
  loopback: "L",
};
const TAG_DIGITS = "123456789abcdefghijklmnopqrstuvwxyz";
/** Bytes of a field shown beside it; the dump has them all. */
const FIELD_BYTES = 6;

interface Row {
  tag: string;
  depth: number;
  /** Offset within the frame, when the field says where it is. */
  start?: number;
  length: number;
  field: FieldDescription;
}

interface Section {
  description: LayerDescription;
  start: number;
  end: number;
  rows: Row[];
}

/** A frame event from the tracer (with its `type`, when known). */
export type LayersFrame = FrameEvent & { type?: "frame-sent" | "frame-received" };

const hexByte = (b: number) => b.toString(16).padStart(2, "0");

/** A frame (its bytes, or a frame event from the tracer) layer by layer. Text without a final newline. */
export function layersView(frame: Uint8Array | LayersFrame, options: LayersViewOptions = {}): string {
  const bytes = frame instanceof Uint8Array ? frame : frame.frame;
  const decoded = decodeFrame(options.linkType ?? LINKTYPE_ETHERNET, bytes);
  const meanings = options.meanings ?? true;
  const lines: string[] = [];

  if (frame instanceof Uint8Array) lines.push(`Frame: ${bytes.length} bytes`);
  else {
    const at = ((frame.time - (options.timeOrigin ?? 0)) / 1e9).toFixed(6);
    const how =
      frame.type === "frame-sent" ? "sent by" : frame.type === "frame-received" ? "received by" : "at";
    lines.push(`Frame: ${bytes.length} bytes, ${how} ${frame.node} on ${frame.iface} at ${at} s`);
  }

  // Sections: each description with its place in the frame and its tagged fields.
  const sections: Section[] = [];
  const errors: string[] = [];
  const letterUses = new Map<string, number>();
  for (const layer of decoded.layers) {
    const error = layer.fields.error;
    if (typeof error === "string") {
      errors.push(
        `${layer.fields.layer}: cannot decode: ${error} (at byte ${layer.fields.offset} of the frame)`,
      );
      continue;
    }
    let base = layer.offset;
    for (const description of layer.describe()) {
      const section = buildSection(description, base, letterUses);
      sections.push(section);
      base = section.end;
    }
    const padding = layer.fields.padding;
    if (layer.fields.layer === "ethernet" && typeof padding === "number" && padding > 0) {
      // Ethernet pads frames to 60 bytes (64 with the FCS): bytes no layer above claims.
      sections[sections.length - 1]?.rows.push({
        tag: "Ep",
        depth: 0,
        start: bytes.length - padding,
        length: padding,
        field: {
          name: "Padding",
          value: `${padding} bytes`,
          meaning: "fills the frame to Ethernet's 60-byte minimum",
        },
      });
    }
  }

  // Where each layer sits in the two models.
  lines.push("", "  OSI layer         TCP/IP layer   in this frame");
  for (const place of MODEL) {
    const here = sections.filter((s) => s.description.osi === place.osi);
    let what: string;
    if (here.length > 0)
      what = here.map((s) => `${s.description.title}: ${s.description.summary}`).join("; ");
    else if (place.osi.startsWith("1 "))
      what = `the bits on the medium: ${bytes.length} bytes (plus preamble and FCS)`;
    else if (place.osi.startsWith("5 ") || place.osi.startsWith("6 "))
      what = "no header of its own: part of the application in TCP/IP";
    else if (place.osi.startsWith("7 ")) what = "no application data in this frame";
    else what = "-";
    lines.push(`  ${place.osi.padEnd(18)}${place.tcpip.padEnd(15)}${what}`);
  }

  // The layers in the order their bytes appear (outermost first), with their fields.
  for (const section of sections) {
    const d = section.description;
    lines.push(
      "",
      `${d.title} — bytes ${section.start}-${section.end - 1}, OSI layer ${d.osi}, TCP/IP ${d.tcpip} layer`,
      `  ${d.summary}`,
    );
    for (const row of section.rows) {
      const shown =
        row.start === undefined
          ? ""
          : Array.from(
              bytes.subarray(row.start, row.start + Math.min(row.length, FIELD_BYTES)),
              hexByte,
            ).join(" ") + (row.length > FIELD_BYTES ? " .." : "");
      const where = row.start === undefined ? "    " : row.start.toString(16).padStart(4, "0");
      const text = `${"  ".repeat(row.depth)}${row.field.name}: ${row.field.value}${meanings && row.field.meaning ? ` — ${row.field.meaning}` : ""}`;
      lines.push(`  ${row.tag.padEnd(3)} ${where}  ${shown.padEnd(FIELD_BYTES * 3 + 2)} ${text}`.trimEnd());
    }
  }
  for (const error of errors) lines.push("", error);

  if (options.hex ?? true) lines.push("", ...hexDump(bytes, sections));
  return lines.join("\n");
}

/** Tags the fields of one description; `base` is where its bytes start in the frame. */
function buildSection(description: LayerDescription, base: number, letterUses: Map<string, number>): Section {
  let letter = TAG_LETTERS[description.layer] ?? description.layer.charAt(0).toUpperCase();
  // A second layer of the same kind (a tunnel) gets the lower-case letter.
  const uses = letterUses.get(letter) ?? 0;
  letterUses.set(letter, uses + 1);
  if (uses > 0) letter = letter.toLowerCase();
  let next = 0;
  const newTag = () => `${letter}${TAG_DIGITS[next++] ?? "+"}`;
  const rows: Row[] = [];
  let end = base;
  // Top-level fields first: those starting at the same byte share a tag (bit fields such as
  // IPv4's Version and Header Length).
  const topTag = new Map<number, string>();
  const walk = (fields: readonly FieldDescription[], depth: number, parent?: FieldDescription) => {
    for (const field of fields) {
      const start = field.offset === undefined ? undefined : base + field.offset;
      const length = field.length ?? 0;
      let tag = "";
      if (start !== undefined) {
        end = Math.max(end, start + length);
        if (depth === 0) {
          tag = topTag.get(start) ?? newTag();
          topTag.set(start, tag);
        } else if (ownsItsBytes(field, fields, description.fields, parent)) tag = newTag();
      }
      rows.push({ tag, depth, ...(start !== undefined ? { start } : {}), length, field });
      if (field.children) walk(field.children, depth + 1, depth === 0 ? field : parent);
    }
  };
  walk(description.fields, 0);
  return { description, start: base, end, rows };
}

/**
 * Whether a nested field gets a tag of its own: it must not share its first byte with a sibling
 * (the flags of TCP and IPv4 are bits of one byte: their parent names the byte) and must not lie
 * in another top-level field (TCP's AE bit sits in the Data Offset byte). TCP options, each in its
 * own bytes within the Options field, do.
 */
function ownsItsBytes(
  field: FieldDescription,
  siblings: readonly FieldDescription[],
  topLevel: readonly FieldDescription[],
  ancestor: FieldDescription | undefined,
): boolean {
  const at = field.offset ?? -1;
  if (siblings.some((s) => s !== field && s.offset === at)) return false;
  return !topLevel.some(
    (f) =>
      f !== ancestor &&
      f.offset !== undefined &&
      f.offset <= at &&
      at < f.offset + Math.max(1, f.length ?? 0),
  );
}

/** 16 bytes a line, with each field's tag under its first byte and `..` under the rest. */
function hexDump(bytes: Uint8Array, sections: readonly Section[]): string[] {
  const tagAt = new Array<string>(bytes.length).fill("");
  const covered = new Uint8Array(bytes.length);
  for (const section of sections) {
    // Deeper rows come later in the list, so a child's tag wins over its parent's at its first byte.
    for (const row of section.rows) {
      if (row.start === undefined || row.start >= bytes.length) continue;
      if (row.tag) tagAt[row.start] = row.tag;
      for (let i = row.start; i < Math.min(bytes.length, row.start + Math.max(1, row.length)); i++)
        covered[i] = 1;
    }
  }
  const lines = ["Hex dump (the tag under a byte names the field that starts there):"];
  if (covered.includes(0)) lines[0] = lines[0].replace("):", "; ?? = bytes no field describes):");
  for (let offset = 0; offset < bytes.length; offset += 16) {
    const row = bytes.subarray(offset, offset + 16);
    const hexText = Array.from(row, hexByte).join(" ");
    const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")).join("");
    // `??` marks bytes no field covers (a layer that could not be decoded, an unnamed field).
    const tags = Array.from(row, (_, i) => tagAt[offset + i] || (covered[offset + i] ? ".." : "??"));
    lines.push(`  ${offset.toString(16).padStart(4, "0")}  ${hexText.padEnd(47)}  ${ascii}`);
    lines.push(`        ${tags.join(" ")}`);
  }
  return lines;
}
