/** OSPFv2 wire formats (RFC 2328 Appendix A): packets and LSAs. */
export * from "./lsa.js";
export * from "./packet.js";
