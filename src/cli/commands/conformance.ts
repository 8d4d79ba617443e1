/**
 * `tinkernet conformance [DIR] [--json] [--filter TEXT] [--baseline FILE] [--write-baseline FILE]`:
 * runs a packetdrill suite (default: the FreeBSD TCP test suite in ../shared) against our TCP in
 * virtual time and prints a table per folder — passed, failed, not applicable (with reasons) — and
 * the total, then each failure with its line and the expected and sent packets.
 *
 * `--json`: one object per script, then `{"total": N, "passed": N, "failed": N, "notApplicable": N}`.
 * `--baseline FILE`: exit 1 if a script that passed in the baseline no longer does.
 * `--write-baseline FILE`: record this run as the baseline.
 *
 * Exit codes: 0 the run completed (failures are results, not errors), 1 a baseline regression,
 * 2 the folder or baseline cannot be read.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { type Baseline, formatTable, makeBaseline, regressions, totals } from "../../conformance/report.js";
import { runSuite } from "../../conformance/suite-files.js";
import { tinkernetTcp } from "../../conformance/tcp-adapter.js";

/** `../shared/conformance/freebsd-tcp-testsuite` beside the project (or under TINKERNET_SHARED). */
function defaultSuite(): string {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");
  const shared = process.env.TINKERNET_SHARED ?? join(root, "..", "shared");
  return join(shared, "conformance", "freebsd-tcp-testsuite");
}

interface Options {
  json?: boolean;
  filter?: string;
  baseline?: string;
  writeBaseline?: string;
}

export function registerConformance(program: Command): void {
  program
    .command("conformance")
    .description("run packetdrill scripts against our TCP and report pass / fail / not applicable per folder")
    .argument("[dir]", "folder of .pkt scripts (default: the FreeBSD TCP test suite in ../shared)")
    .option("--json", "one JSON object per script, then the totals")
    .option("--filter <text>", "only scripts whose path contains this text")
    .option("--baseline <file>", "fail (exit 1) if a script that passed in this baseline no longer passes")
    .option("--write-baseline <file>", "record this run as a baseline")
    .action((dir: string | undefined, options: Options) => {
      process.exitCode = run(dir ?? defaultSuite(), options);
    });
}

function run(dir: string, options: Options): number {
  if (!existsSync(dir)) {
    console.error(`tinkernet conformance: no such folder: ${dir}`);
    return 2;
  }
  let baseline: Baseline | undefined;
  if (options.baseline) {
    try {
      baseline = JSON.parse(readFileSync(options.baseline, "utf8")) as Baseline;
    } catch (error) {
      console.error(
        `tinkernet conformance: cannot read baseline ${options.baseline}: ${(error as Error).message}`,
      );
      return 2;
    }
  }
  const filter = options.filter;
  const records = runSuite(
    dir,
    { stack: tinkernetTcp },
    options.json ? (record) => console.log(JSON.stringify(record)) : undefined,
    filter ? (script) => script.name.includes(filter) : undefined,
  );
  if (options.json) console.log(JSON.stringify(totals(records)));
  else console.log(formatTable(records));
  if (options.writeBaseline)
    writeFileSync(options.writeBaseline, `${JSON.stringify(makeBaseline(records), null, 1)}\n`);
  if (baseline) {
    const problems = regressions(records, baseline);
    if (problems.length > 0) {
      console.error(`tinkernet conformance: ${problems.length} regression(s) against ${options.baseline}:`);
      for (const p of problems) console.error(`  ${p}`);
      return 1;
    }
  }
  return 0;
}
