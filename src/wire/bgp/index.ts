// BGP-4's wire format (RFC 4271, RFC 5492, RFC 6793, RFC 2918, RFC 1997, RFC 4456).
export * from "./attributes.js";
export * from "./capabilities.js";
export * from "./constants.js";
export * from "./describe.js";
export * from "./error.js";
export * from "./message.js";
export * from "./nlri.js";
