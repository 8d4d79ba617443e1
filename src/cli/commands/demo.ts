/** `tinkernet demo [--seed N] [--pcap FILE] [--interactive]`: the textbook Internet, toured. */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { DEMO_STEPS, runDemo } from "../../demo/tour.js";
import { loadTopology } from "../../topology/loader.js";
import { ByteCollector } from "../../trace/capture.js";
import { interactive } from "../interactive.js";
import { closedOutput, nodeFileSystem, streamOutput, wantsColor } from "../node-io.js";

/** examples/internet.yml, found from this module (dist/src/cli/commands/) up to the package root. */
export const INTERNET_YML = fileURLToPath(new URL("../../../../examples/internet.yml", import.meta.url));

/** Where the capture goes unless --pcap says otherwise. */
export const DEFAULT_DEMO_PCAP = "tinkernet-demo.pcapng";

interface DemoCliOptions {
  seed: string;
  step?: string;
  pcap: string | false;
  interactive?: boolean;
}

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(
      "build the textbook Internet (examples/internet.yml) and tour it: ARP, ping, traceroute, TCP, NAT, HTTP, UDP with loss, an IPv6-only phone through NAT64",
    )
    .option("--seed <n>", "seed of every random choice (TCP sequence numbers, ports, losses)", "1")
    .option(
      "--pcap <file>",
      "write every frame at the laptop and the mobile phone here, for Wireshark",
      DEFAULT_DEMO_PCAP,
    )
    .option("--no-pcap", "write no capture file")
    .option(
      "--step <n,...>",
      `print only these steps of the tour (1-${DEMO_STEPS.length}); the others run silently`,
    )
    .option("-i, --interactive", "stay in the shell on the network after the tour")
    .action(async (options: DemoCliOptions) => {
      process.exitCode = await demo(options);
    });
}

async function demo(options: DemoCliOptions): Promise<number> {
  if (!/^\d+$/.test(options.seed)) {
    console.error(`tinkernet demo: invalid seed "${options.seed}": expected a whole number`);
    return 2;
  }
  let steps: number[] | undefined;
  if (options.step !== undefined) {
    steps = options.step.split(",").map((n) => Number(n.trim()));
    if (steps.some((n) => !Number.isInteger(n) || n < 1 || n > DEMO_STEPS.length)) {
      console.error(
        `tinkernet demo: invalid --step "${options.step}": expected step numbers from 1 to ${DEMO_STEPS.length}, e.g. 4 or 1,4`,
      );
      return 2;
    }
    steps = [...new Set(steps)].sort((a, b) => a - b);
  }
  let text: string;
  try {
    text = readFileSync(INTERNET_YML, "utf8");
  } catch (error) {
    console.error(`tinkernet demo: cannot read ${INTERNET_YML}: ${(error as Error).message}`);
    return 2;
  }
  const { topology, errors } = loadTopology(text, "examples/internet.yml");
  if (!topology) {
    for (const error of errors) console.error(error.toString());
    return 2;
  }
  // `tinkernet demo | head`: when the reader of stdout goes away, stop quietly, as a pipe expects.
  closedOutput.addEventListener("abort", () => process.exit(0));
  const capture = options.pcap === false ? undefined : new ByteCollector();
  const color = wantsColor(process.stdout);
  const { shell, failures, capturedFrames } = await runDemo({
    topology,
    seed: Number(options.seed),
    out: streamOutput(process.stdout),
    fs: nodeFileSystem,
    color,
    ...(capture ? { capture: capture.sink } : {}),
    ...(steps ? { steps } : {}),
  });
  if (capture && options.pcap !== false) {
    try {
      writeFileSync(options.pcap, capture.toBytes());
    } catch (error) {
      console.error(`tinkernet demo: cannot write ${options.pcap}: ${(error as Error).message}`);
      return 1;
    }
    console.log(
      `\nCapture: ${options.pcap} (${capturedFrames} frames) — open it with: wireshark ${options.pcap}`,
    );
  }
  if (options.interactive) {
    const records = await interactive(shell, {
      banner: "*** The tour is over; the network is still here. Type help for the commands, exit to leave.\n",
    });
    shell.stopAllJobs();
    void records;
  }
  return failures === 0 ? 0 : 1;
}
