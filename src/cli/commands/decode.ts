/** `tinkernet decode FILE [--json]`: filled in by the pcap/decoder work. */
import type { Command } from "commander";

export function registerDecode(program: Command): void {
  program
    .command("decode")
    .description("print every frame of a pcap or pcapng file layer by layer")
    .argument("<file>", "a .pcap or .pcapng file")
    .option("--json", "one JSON object per frame")
    .action(() => {
      console.error("tinkernet decode: not built yet");
      process.exitCode = 1;
    });
}
