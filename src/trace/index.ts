// Capture files and the frame decoder.
export * from "./capture.js";
export * from "./decode.js";
export * from "./linktype.js";
export * from "./linux-sll.js";
export * from "./loopback.js";
export * from "./payload.js";
export * from "./pcap.js";
export * from "./pcapng.js";
export * from "./read-capture.js";
export * from "./render.js";
