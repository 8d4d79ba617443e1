/** `tinkernet validate FILE`, `tinkernet graph FILE`, `tinkernet schema`: working with lab files. */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { toDot, toMermaid } from "../../topology/graph.js";
import { loadTopology } from "../../topology/loader.js";
import type { TopologySpec } from "../../topology/model.js";
import { topologySchema } from "../../topology/schema.js";

/** Reads and loads a topology file, printing located errors; undefined (exit code 2) on failure. */
export function readTopology(file: string): TopologySpec | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    console.error(
      `tinkernet: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
    process.exitCode = 2;
    return undefined;
  }
  const { topology, errors } = loadTopology(text, file);
  for (const error of errors) console.error(`${error.toString().replace(": ", ": error: ")}`);
  if (!topology) {
    console.error(`${errors.length} error${errors.length === 1 ? "" : "s"} in ${file}`);
    process.exitCode = 2;
  }
  return topology;
}

export function registerTopologyCommands(program: Command): void {
  program
    .command("validate")
    .description("check a topology file and report every problem with file, line and column")
    .argument("<file>", "a topology YAML file")
    .action((file: string) => {
      const topology = readTopology(file);
      if (topology) {
        // TAP links (to the Linux kernel) are not in `links`: counted and named on their own.
        const taps = topology.taps ?? [];
        const counted = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
        const tapText =
          taps.length === 0
            ? ""
            : `, ${counted(taps.length, "TAP link")} to Linux (${taps.map((t) => t.name).join(", ")})`;
        console.log(
          `${file}: ok — lab "${topology.name}", ${counted(topology.nodes.size, "node")}, ${counted(topology.links.length, "link")}${tapText}`,
        );
      }
    });

  program
    .command("graph")
    .description("print a topology as a Graphviz or Mermaid graph")
    .argument("<file>", "a topology YAML file")
    .option("--format <format>", "dot or mermaid", "dot")
    .action((file: string, options: { format: string }) => {
      if (options.format !== "dot" && options.format !== "mermaid") {
        console.error(`tinkernet graph: unknown format "${options.format}" (expected dot or mermaid)`);
        process.exitCode = 2;
        return;
      }
      const topology = readTopology(file);
      if (topology) process.stdout.write(options.format === "dot" ? toDot(topology) : toMermaid(topology));
    });

  program
    .command("schema")
    .description("print the JSON Schema of topology files (for editor completion)")
    .action(() => {
      console.log(JSON.stringify(topologySchema, null, 2));
    });
}
