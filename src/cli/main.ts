/**
 * The `tinkernet` command. Each subcommand lives in its own module under `commands/` and registers
 * itself on the program. Exit codes: 0 success, 1 a command failed, 2 usage or input errors.
 */
import { Command, CommanderError } from "commander";
import { registerBench } from "./commands/bench.js";
import { registerConformance } from "./commands/conformance.js";
import { registerDecode } from "./commands/decode.js";
import { registerDemo } from "./commands/demo.js";
import { registerRun } from "./commands/run.js";
import { registerTopologyCommands } from "./commands/topology.js";
import { registerUi } from "./commands/ui.js";
import { closedOutput, watchClosedOutput } from "./node-io.js";

const program = new Command();
program
  .name("tinkernet")
  .description("An Internet in a box: a real TCP/IP stack and a deterministic network emulator")
  .version("0.1.0")
  .exitOverride()
  .showHelpAfterError("(run tinkernet --help for usage)");

registerDecode(program);
registerBench(program);
registerTopologyCommands(program);
registerConformance(program);
registerRun(program);
registerDemo(program);
registerUi(program);

// `tinkernet ... | head -1`: a reader that goes away ends the run quietly, not with EPIPE's trace.
watchClosedOutput();

try {
  await program.parseAsync(process.argv);
  if (closedOutput.aborted) process.exitCode = 0;
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version exit 0; usage errors exit 2.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    console.error(`tinkernet: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
