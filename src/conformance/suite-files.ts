/**
 * Finding and running the scripts of a packetdrill suite on disk (Node only: the CLI and the tests
 * use it; the parser, matcher and runner take script text and stay platform-neutral). The scripts
 * are read in place, never copied into the project.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { applyDeviations } from "./deviations.js";
import { type ScriptRecord, toRecord } from "./report.js";
import { type RunOptions, runScriptText } from "./runner.js";

export interface SuiteScript {
  /** Absolute (or as given) path of the `.pkt` file. */
  path: string;
  /** Path relative to the suite's root, with `/` separators, e.g. `snd-syn/snd-syn-rtx-keepinit-ipv4.pkt`. */
  name: string;
  /** Directory of the script relative to the root (`.` for scripts at the root), e.g. `state-event-engine/rcv-rst-listen`. */
  folder: string;
  /** The first component of `folder`, e.g. `state-event-engine`. */
  group: string;
}

/** Every `.pkt` file under `root`, sorted by name. */
export function findScripts(root: string): SuiteScript[] {
  const found: SuiteScript[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith(".pkt")) {
        const name = relative(root, path).split(sep).join("/");
        const slash = name.lastIndexOf("/");
        const folder = slash < 0 ? "." : name.slice(0, slash);
        found.push({ path, name, folder, group: folder.split("/")[0] });
      }
    }
  };
  walk(root);
  return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function readScript(script: SuiteScript): string {
  return readFileSync(script.path, "utf8");
}

/** Runs every script under `root` (in name order) and returns one record each. */
export function runSuite(
  root: string,
  options: RunOptions,
  onRecord?: (record: ScriptRecord) => void,
  filter: (script: SuiteScript) => boolean = () => true,
): ScriptRecord[] {
  const records: ScriptRecord[] = [];
  for (const script of findScripts(root)) {
    if (!filter(script)) continue;
    const result = applyDeviations(script.name, runScriptText(readScript(script), options));
    const record = toRecord(script.name, script.folder, result);
    records.push(record);
    onRecord?.(record);
  }
  return records;
}
