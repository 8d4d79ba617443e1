/** The bytes no layer claimed: application data, or a protocol the decoder does not read. */
import { type LayerDescription, OSI_APPLICATION } from "../wire/describe.js";

/** How many bytes of a payload the learner view shows. */
const PREVIEW_BYTES = 32;

/** Hex and printable ASCII of the first bytes, e.g. `47 45 54 20 … |GET |`. */
export function payloadPreview(bytes: Uint8Array, limit = PREVIEW_BYTES): string {
  const shown = bytes.subarray(0, limit);
  const hexText = Array.from(shown, (b) => b.toString(16).padStart(2, "0")).join(" ");
  const ascii = Array.from(shown, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")).join("");
  return `${hexText}${bytes.length > limit ? " …" : ""}  |${ascii}|`;
}

export function describePayload(bytes: Uint8Array, note?: string): LayerDescription {
  return {
    ...OSI_APPLICATION,
    layer: "payload",
    title: "Payload",
    summary: note ? `${bytes.length} bytes: ${note}` : `${bytes.length} bytes of data`,
    fields: [
      {
        name: "Length",
        value: `${bytes.length} bytes`,
        meaning: note ?? "data carried for the application; the layers below only deliver it",
        offset: 0,
        length: bytes.length,
      },
      ...(bytes.length > 0
        ? [
            {
              name: "Bytes",
              value: payloadPreview(bytes),
              offset: 0,
              length: Math.min(bytes.length, PREVIEW_BYTES),
            },
          ]
        : []),
    ],
  };
}
