/**
 * A lab from topology YAML text with a shell on it, the way `tinkernet lab` gives one, for tests
 * that drive the shell on the simulated clock: the topology must load and build without errors,
 * then the shell runs with in-memory output and files and the default commands.
 */
import assert from "node:assert/strict";
import { type LabServices, startLabServices } from "../../src/apps/lab-services.js";
import type { Network } from "../../src/devices/network.js";
import { defaultCommands } from "../../src/shell/commands/index.js";
import { VirtualDriver } from "../../src/shell/driver.js";
import { BufferOutput, MemoryFileSystem } from "../../src/shell/io.js";
import { Shell } from "../../src/shell/shell.js";
import { type BuiltLab, buildNetwork } from "../../src/topology/build.js";
import { loadTopology } from "../../src/topology/loader.js";
import type { TopologySpec } from "../../src/topology/model.js";

export interface LabShellOptions {
  /** The build's seed. */
  seed: number;
  /** The file name the loader reports in errors. */
  file?: string;
  /** Start the lab's services (DHCP, DNS, ...) before the shell is made. */
  services?: boolean;
}

/** One line's outcome: the last command's status and data, and what it wrote. */
export interface LineResult {
  status: number | undefined;
  out: string;
  err: string;
  data: unknown;
}

export function labShell(yaml: string, options: LabShellOptions) {
  const { topology, errors: loadErrors } = loadTopology(yaml, options.file ?? "lab.yml");
  assert.deepEqual(loadErrors, []);
  const { lab: built, errors } = buildNetwork(topology!, { seed: options.seed });
  assert.deepEqual(errors, []);
  const lab: BuiltLab = built!;
  const network = lab.network;
  const services: LabServices | undefined = options.services
    ? startLabServices(network, topology!)
    : undefined;
  return { ...shellOn(network, topology!), network, topology: topology!, lab, services };
}

/** A shell on `network` (and the topology it was built from, if any), and its run/ok helpers. */
export function shellOn(network: Network, topology?: TopologySpec) {
  const out = new BufferOutput(false);
  const err = new BufferOutput();
  const fs = new MemoryFileSystem();
  const shell = new Shell({
    network,
    topology,
    driver: new VirtualDriver(network.scheduler),
    out,
    err,
    fs,
    commands: defaultCommands(),
  });
  /** Runs one line and returns its outcome, whatever the status. */
  const run = async (line: string): Promise<LineResult> => {
    out.clear();
    err.clear();
    const records = await shell.execute(line);
    return { status: records.at(-1)?.status, out: out.text, err: err.text, data: records.at(-1)?.data };
  };
  /** Runs one line, asserts it succeeded (status 0) and returns what it wrote. */
  const ok = async (line: string): Promise<string> => {
    const r = await run(line);
    assert.equal(r.status, 0, `${line}: ${r.err}`);
    return r.out;
  };
  return { run, ok, shell, fs };
}
