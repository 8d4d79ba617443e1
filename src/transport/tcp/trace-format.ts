/**
 * tcpdump's notation for TCP flags and options, used in trace events: flags as letters in bit
 * order (F S R P . U E W, "." for ACK), options as `mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7`.
 */
import type { TcpOption } from "../../wire/tcp.js";

const LETTERS = ["F", "S", "R", "P", ".", "U", "E", "W"];

export function formatTcpFlags(flags: number): string {
  let text = "";
  for (let bit = 0; bit < LETTERS.length; bit++) if (flags & (1 << bit)) text += LETTERS[bit];
  if (flags & 0x100) text += "A";
  return text === "" ? "none" : text;
}

export function formatTcpOptions(options: readonly TcpOption[]): string {
  let text = "";
  for (const option of options) {
    let item: string;
    switch (option.kind) {
      case "eol":
        item = "eol";
        break;
      case "nop":
        item = "nop";
        break;
      case "mss":
        item = `mss ${option.value}`;
        break;
      case "window-scale":
        item = `wscale ${option.shift}`;
        break;
      case "sack-permitted":
        item = "sackOK";
        break;
      case "sack":
        item = `sack ${option.blocks.length} ${option.blocks.map((b) => `{${b.left}:${b.right}}`).join("")}`;
        break;
      case "timestamps":
        item = `TS val ${option.value} ecr ${option.echo}`;
        break;
      default:
        item = `unknown-${option.type}`;
    }
    text = text === "" ? item : `${text},${item}`;
  }
  return text;
}
