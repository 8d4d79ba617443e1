// Capture files and the frame decoder.
export * from "./capture.js";
export * from "./linktype.js";
export * from "./pcap.js";
export * from "./pcapng.js";
export * from "./read-capture.js";
