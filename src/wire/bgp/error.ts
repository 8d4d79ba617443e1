/**
 * A BGP parse failure is also the NOTIFICATION the speaker must send (RFC 4271 §6): besides the
 * reason and offset every `ParseError` has, it carries the error code, subcode and the Data field
 * the RFC prescribes for that case (the bad length, the offending attribute, the type code...).
 */
import { ParseError } from "../parse-error.js";
import { bgpErrorName } from "./constants.js";

export class BgpError extends ParseError {
  constructor(
    /** NOTIFICATION error code (RFC 4271 §4.5). */
    readonly code: number,
    /** NOTIFICATION error subcode. */
    readonly subcode: number,
    reason: string,
    offset = 0,
    /** The NOTIFICATION's Data field. */
    readonly data: Uint8Array = new Uint8Array(0),
  ) {
    super("bgp", `${bgpErrorName(code, subcode)}: ${reason}`, offset);
  }
}

export function isBgpError(value: unknown): value is BgpError {
  return value instanceof BgpError;
}
