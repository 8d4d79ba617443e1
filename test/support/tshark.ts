/**
 * tshark as an oracle: run it on a capture file and read its JSON dissection, so tests can compare
 * our decoding with Wireshark's field by field.
 */
import { execFile } from "node:child_process";
import { hasCommand } from "./system.js";

export const tsharkAvailable = hasCommand("tshark");

/** Options that make tshark verify checksums and print absolute TCP sequence numbers. */
export const TSHARK_CHECK_OPTIONS = [
  "-o",
  "ip.check_checksum:TRUE",
  "-o",
  "tcp.check_checksum:TRUE",
  "-o",
  "udp.check_checksum:TRUE",
  "-o",
  "tcp.relative_sequence_numbers:FALSE",
  // Keep tshark's analysis from guessing at higher layers it would reassemble across frames.
  "-o",
  "tcp.desegment_tcp_streams:FALSE",
  "-o",
  "ip.defragment:FALSE",
  "-o",
  "ipv6.defragment:FALSE",
];

/** One packet of `tshark -T json`: `layers` maps a protocol (`eth`, `ip`, ...) to its field tree. */
export interface TsharkPacket {
  layers: Record<string, unknown>;
}

/** Runs tshark with `args`, resolving to stdout (rejecting with stderr when it fails to start or exits non-zero). */
export function runTshark(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve, reject) => {
    execFile(
      "tshark",
      args,
      { maxBuffer: 1 << 30, env: { ...process.env, LC_ALL: "C" } },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") reject(error);
        else resolve({ stdout, stderr, code: error ? Number(error.code) : 0 });
      },
    );
  });
}

/**
 * `tshark -r FILE -T json --no-duplicate-keys` with checksum verification on. Duplicate keys
 * (e.g. two `ip` layers in a tunnel) become arrays. Resolves to the packets, or to an error text
 * when tshark could not read the file at all.
 */
export async function tsharkPackets(file: string, extra: string[] = []): Promise<TsharkPacket[] | string> {
  const { stdout, stderr, code } = await runTshark([
    "-r",
    file,
    "-n",
    "-T",
    "json",
    "--no-duplicate-keys",
    ...TSHARK_CHECK_OPTIONS,
    ...extra,
  ]);
  const text = stdout.trim();
  if (text === "") return code === 0 ? [] : `tshark exit ${code}: ${stderr.trim()}`;
  try {
    const parsed = JSON.parse(text) as { _source: { layers: Record<string, unknown> } }[];
    return parsed.map((p) => ({ layers: p._source.layers }));
  } catch (error) {
    // tshark may stop mid-file on damage and leave the JSON unfinished.
    return `tshark output is not JSON (exit ${code}): ${String(error)} ${stderr.trim()}`;
  }
}

/** One line of `tshark -q -z expert`: severity, group, protocol, summary. */
export interface ExpertItem {
  severity: string;
  group: string;
  protocol: string;
  summary: string;
}

/** `tshark -r FILE -q -z expert` with checksum verification on, parsed into items. */
export async function tsharkExpert(file: string): Promise<ExpertItem[]> {
  const { stdout } = await runTshark(["-r", file, "-n", "-q", "-z", "expert", ...TSHARK_CHECK_OPTIONS]);
  const items: ExpertItem[] = [];
  let severity = "";
  for (const line of stdout.split("\n")) {
    const header = /^(Errors|Warnings|Notes|Chats|Comments) \(\d+\)/.exec(line);
    if (header) {
      severity = header[1];
      continue;
    }
    // Rows: "  Frequency      Group           Protocol  Summary"
    // (Groups are one word except these three.)
    const row = /^\s+(\d+)\s+(Response Code|Request Code|Comments Group|\S+)\s+(\S+)\s+(.*)$/.exec(line);
    if (row && severity !== "" && row[1] !== "Frequency") {
      for (let i = 0; i < Number(row[1]); i++)
        items.push({ severity, group: row[2], protocol: row[3], summary: row[4].trim() });
    }
  }
  return items;
}

/** Every value stored under `key` anywhere inside `tree` (depth-first, in document order). */
export function findAll(tree: unknown, key: string): unknown[] {
  const found: unknown[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (node === null || typeof node !== "object") return;
    for (const [k, v] of Object.entries(node)) {
      if (k === key) {
        if (Array.isArray(v)) found.push(...v);
        else found.push(v);
      } else walk(v);
    }
  };
  walk(tree);
  return found;
}

/** The first value under `key` inside `tree`, as a string (or undefined). */
export function field(tree: unknown, key: string): string | undefined {
  const [value] = findAll(tree, key);
  return typeof value === "string" ? value : undefined;
}

/** A layer's object(s): `layers.ip` may be one object or (tunnels) an array of them. */
export function layerList(packet: TsharkPacket, name: string): Record<string, unknown>[] {
  const value = packet.layers[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]) as Record<string, unknown>[];
}

/** Runs `task` over `items` with at most `concurrency` in flight, keeping the order of results. */
export async function inBatches<T, R>(
  items: T[],
  concurrency: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
