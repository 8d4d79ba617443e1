/** The shell engine: commands over a running network, platform-neutral (see shell.ts). */
export * from "./command.js";
export { defaultCommands } from "./commands/index.js";
export * from "./driver.js";
export * from "./format.js";
export * from "./io.js";
export * from "./options.js";
export * from "./shell.js";
export * from "./tokenize.js";
