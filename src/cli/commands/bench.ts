/** `tinkernet bench SUITE [--json]`: runs a benchmark suite from `bench/`. */
import type { Command } from "commander";
import type { BenchResult, BenchSuite } from "../../../bench/harness.js";

const suites = ["wire", "link", "sim", "dns", "tap", "nat", "tcp", "routing"] as const;

export function registerBench(program: Command): void {
  program
    .command("bench")
    .description(`run a benchmark suite (${suites.join(", ")}) and print its figures`)
    .argument("<suite>", "which suite to run")
    .option("--json", "one JSON object per line")
    .action(async (suite: string, options: { json?: boolean }) => {
      if (!(suites as readonly string[]).includes(suite)) {
        console.error(`tinkernet bench: unknown suite "${suite}" (known: ${suites.join(", ")})`);
        process.exitCode = 2;
        return;
      }
      const module = (await import(`../../../bench/${suite}.js`)) as { run: BenchSuite };
      await module.run((result: BenchResult) => {
        if (options.json) console.log(JSON.stringify(result));
        else
          console.log(
            `${result.suite.padEnd(6)} ${result.name.padEnd(28)} ${String(result.value).padStart(14)} ${result.unit}`,
          );
      });
    });
}
