/**
 * Results of a suite run: one record per script, totals per folder, the text table and the JSON
 * lines of `tinkernet conformance`, and the baseline the tests compare against.
 */
import type { ScriptResult } from "./runner.js";

export type Status = "passed" | "failed" | "not-applicable";

/** One script's outcome, as `--json` prints it. */
export interface ScriptRecord {
  script: string;
  folder: string;
  status: Status;
  /** Failed or not applicable at this line (0: the script as a whole). */
  line?: number;
  /** Failed: what went wrong; the line; expected vs sent packets and the fields that differ. */
  message?: string;
  source?: string;
  expected?: string;
  sent?: string;
  mismatches?: { field: string; expected: string; actual: string }[];
  /** Not applicable: why. */
  reason?: string;
  warnings?: string[];
}

export interface Totals {
  total: number;
  passed: number;
  failed: number;
  notApplicable: number;
}

export function toRecord(script: string, folder: string, result: ScriptResult): ScriptRecord {
  switch (result.status) {
    case "passed":
      return {
        script,
        folder,
        status: "passed",
        ...(result.warnings.length > 0 ? { warnings: result.warnings } : {}),
      };
    case "not-applicable":
      return { script, folder, status: "not-applicable", line: result.line, reason: result.reason };
    case "failed":
      return {
        script,
        folder,
        status: "failed",
        line: result.line,
        source: result.source,
        message: result.message,
        expected: result.expected,
        sent: result.sent,
        mismatches: result.mismatches,
      };
  }
}

export function totals(records: readonly ScriptRecord[]): Totals {
  const t: Totals = { total: 0, passed: 0, failed: 0, notApplicable: 0 };
  for (const r of records) {
    t.total++;
    if (r.status === "passed") t.passed++;
    else if (r.status === "failed") t.failed++;
    else t.notApplicable++;
  }
  return t;
}

/** Totals by key (folder or top-level group), sorted by key. */
export function totalsBy(
  records: readonly ScriptRecord[],
  key: (r: ScriptRecord) => string,
): Map<string, Totals> {
  const groups = new Map<string, ScriptRecord[]>();
  for (const r of records) {
    const k = key(r);
    const list = groups.get(k) ?? [];
    list.push(r);
    groups.set(k, list);
  }
  return new Map([...groups.keys()].sort().map((k) => [k, totals(groups.get(k)!)]));
}

export function groupOf(folder: string): string {
  return folder.split("/")[0];
}

/** The table `tinkernet conformance` prints: per folder, per group, the total, then the reasons and failures. */
export function formatTable(records: readonly ScriptRecord[]): string {
  const lines: string[] = [];
  const row = (name: string, t: Totals) =>
    `${name.padEnd(58)} ${String(t.passed).padStart(6)} ${String(t.failed).padStart(6)} ${String(t.notApplicable).padStart(6)} ${String(t.total).padStart(6)}`;
  lines.push(
    `${"folder".padEnd(58)} ${"passed".padStart(6)} ${"failed".padStart(6)} ${"n/a".padStart(6)} ${"total".padStart(6)}`,
  );
  const byGroup = totalsBy(records, (r) => groupOf(r.folder));
  const byFolder = totalsBy(records, (r) => r.folder);
  for (const [group, t] of byGroup) {
    lines.push(row(group, t));
    const subfolders = [...byFolder.keys()].filter((f) => f !== group && groupOf(f) === group);
    for (const folder of subfolders)
      lines.push(row(`  ${folder.slice(group.length + 1)}`, byFolder.get(folder)!));
  }
  lines.push(row("total", totals(records)));

  const reasons = new Map<string, number>();
  for (const r of records)
    if (r.status === "not-applicable") reasons.set(r.reason ?? "", (reasons.get(r.reason ?? "") ?? 0) + 1);
  if (reasons.size > 0) {
    lines.push("", "not applicable:");
    for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1]))
      lines.push(`  ${String(n).padStart(4)}  ${reason}`);
  }
  const failed = records.filter((r) => r.status === "failed");
  if (failed.length > 0) {
    lines.push("", "failed:");
    for (const r of failed) {
      lines.push(`  ${r.script}:${r.line}: ${r.message}`);
      if (r.source) lines.push(`      line:     ${r.source}`);
      if (r.expected) lines.push(`      expected: ${r.expected}`);
      if (r.sent) lines.push(`      sent:     ${r.sent}`);
      for (const m of r.mismatches ?? [])
        lines.push(`      ${m.field}: expected ${m.expected}, sent ${m.actual}`);
    }
  }
  return lines.join("\n");
}

/** What the tests hold the suite to: per-group totals and the scripts that passed. */
export interface Baseline {
  totals: Totals;
  groups: Record<string, Totals>;
  passing: string[];
}

export function makeBaseline(records: readonly ScriptRecord[]): Baseline {
  return {
    totals: totals(records),
    groups: Object.fromEntries(totalsBy(records, (r) => groupOf(r.folder))),
    passing: records
      .filter((r) => r.status === "passed")
      .map((r) => r.script)
      .sort(),
  };
}

/** Regressions against a baseline: scripts that passed and no longer do, and lower pass counts. */
export function regressions(records: readonly ScriptRecord[], baseline: Baseline): string[] {
  const problems: string[] = [];
  const status = new Map(records.map((r) => [r.script, r]));
  for (const name of baseline.passing) {
    const r = status.get(name);
    if (!r) problems.push(`${name}: passed in the baseline, not run now`);
    else if (r.status !== "passed")
      problems.push(`${name}: passed in the baseline, now ${r.status}: ${r.message ?? r.reason ?? ""}`);
  }
  const now = totals(records);
  if (now.passed < baseline.totals.passed)
    problems.push(`passed ${now.passed} < baseline ${baseline.totals.passed}`);
  return problems;
}
