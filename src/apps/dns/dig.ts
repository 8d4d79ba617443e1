/**
 * `dig` and `nslookup`, printing what BIND 9.18's tools print, over the emulated network.
 *
 * ```
 * dig [@server] [-p port] [-x address] [-t type] [name] [type] [+short] [+norecurse] [+tcp] [+noedns]
 * nslookup name [server]
 * ```
 *
 * dig asks exactly the name given (no search list, as dig does by default), retries over TCP when
 * the UDP answer comes back truncated (";; Truncated, retrying in TCP mode."), and tries 3 times
 * 5 seconds apart when nothing answers. nslookup uses the search list, like the stub resolver.
 */
import type { Node } from "../../devices/node.js";
import { MILLISECOND, SECOND } from "../../sim/time.js";
import { Ipv4Address } from "../../wire/address/ipv4.js";
import { type IpAddress, Ipv6Address } from "../../wire/address/ipv6.js";
import {
  absoluteDnsName,
  canonicalDnsName,
  DnsRcode,
  type DnsRecord,
  type DnsRepr,
  DnsType,
  dnsEdns,
  dnsFullRcode,
  dnsOpcodeName,
  dnsRcodeName,
  dnsTypeFromName,
  formatDnsQuestion,
  formatDnsRdata,
  formatDnsRecord,
} from "../../wire/dns.js";
import { nameservers, type StubResult, stubResolve } from "./stub.js";
import { reverseName } from "./zone.js";

export interface DigResult {
  output: string[];
  /** The response, when one came. */
  response?: DnsRepr;
  /** "NOERROR", "NXDOMAIN", ... or undefined when nothing answered. */
  status?: string;
  /** Answer records. */
  answers: DnsRecord[];
}

/** A running dig or nslookup: `done` turns true when it finishes, and `result` resolves then. */
export interface DigRun {
  readonly done: boolean;
  readonly result: Promise<DigResult>;
}

class Run implements DigRun {
  done = false;
  readonly result: Promise<DigResult>;
  private resolve!: (result: DigResult) => void;
  constructor() {
    this.result = new Promise((resolve) => {
      this.resolve = resolve;
    });
  }
  finish(result: DigResult): void {
    this.done = true;
    this.resolve(result);
  }
}

interface DigArgs {
  server?: IpAddress;
  port?: number;
  name: string;
  type: number;
  short: boolean;
  recurse: boolean;
  tcp: boolean;
  edns: boolean;
}

function parseDigArgs(args: readonly string[]): DigArgs | string {
  const parsed: DigArgs = { name: ".", type: DnsType.A, short: false, recurse: true, tcp: false, edns: true };
  let named = false;
  let typed = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg.startsWith("@")) {
      const server = Ipv4Address.tryParse(arg.slice(1)) ?? Ipv6Address.tryParse(arg.slice(1));
      if (!server) return `dig: couldn't get address for '${arg.slice(1)}': not found`;
      parsed.server = server;
    } else if (arg === "-p") {
      parsed.port = Number(args[++i]);
    } else if (arg === "-t") {
      const type = dnsTypeFromName(args[++i] ?? "");
      if (type === undefined) return `dig: invalid type: ${args[i]}`;
      parsed.type = type;
      typed = true;
    } else if (arg === "-x") {
      const text = args[++i] ?? "";
      const address = Ipv4Address.tryParse(text) ?? Ipv6Address.tryParse(text);
      if (!address) return `dig: '${text}' is not a legal IPv4 or IPv6 address`;
      parsed.name = reverseName(address);
      parsed.type = DnsType.PTR;
      named = typed = true;
    } else if (arg === "+short") parsed.short = true;
    else if (arg === "+norecurse" || arg === "+norec") parsed.recurse = false;
    else if (arg === "+recurse" || arg === "+rec") parsed.recurse = true;
    else if (arg === "+tcp" || arg === "+vc") parsed.tcp = true;
    else if (arg === "+notcp") parsed.tcp = false;
    else if (arg === "+noedns") parsed.edns = false;
    else if (arg === "+edns") parsed.edns = true;
    else if (arg.startsWith("+")) return `Invalid option: ${arg}`;
    else if (arg.toUpperCase() === "IN") continue;
    else if (!typed && named && dnsTypeFromName(arg) !== undefined) {
      parsed.type = dnsTypeFromName(arg)!;
      typed = true;
    } else if (!named) {
      if (canonicalDnsName(arg) === undefined) return `dig: '${arg}' is not a legal name`;
      parsed.name = arg;
      named = true;
    } else if (dnsTypeFromName(arg) !== undefined) {
      parsed.type = dnsTypeFromName(arg)!;
    } else return `dig: extra argument '${arg}'`;
  }
  if (!named && !typed) parsed.type = DnsType.NS;
  return parsed;
}

/** Runs `dig` on `node`. `args` as on the command line (a string is split on spaces). */
export function dig(
  node: Node,
  args: string | readonly string[] = [],
  options: { write?: (line: string) => void } = {},
): DigRun {
  const argv = typeof args === "string" ? args.split(/\s+/).filter(Boolean) : args;
  const run = new Run();
  const output: string[] = [];
  const write = (line: string) => {
    output.push(line);
    options.write?.(line);
  };
  const parsed = parseDigArgs(argv);
  if (typeof parsed === "string") {
    write(parsed);
    node.scheduler.after(0, () => run.finish({ output, answers: [] }));
    return run;
  }
  const servers = parsed.server ? [parsed.server] : nameservers(node);
  const started = node.scheduler.now;
  if (!parsed.short) {
    write("");
    write(`; <<>> DiG 9.18-tinkernet <<>> ${argv.join(" ")}`);
    if (parsed.server) write("; (1 server found)");
    write(";; global options: +cmd");
  }
  if (servers.length === 0) {
    write(";; no servers could be reached");
    node.scheduler.after(0, () => run.finish({ output, answers: [] }));
    return run;
  }
  stubResolve(
    node,
    parsed.name.endsWith(".") ? parsed.name : `${parsed.name}.`,
    parsed.type,
    (result) => {
      printDig(result, parsed, write, node.scheduler.now - started);
      run.finish({
        output,
        ...(result.response
          ? { response: result.response, status: dnsRcodeName(dnsFullRcode(result.response)) }
          : {}),
        answers: result.answers,
      });
    },
    {
      servers: [servers[0]],
      search: false,
      anyRcode: true,
      recursionDesired: parsed.recurse,
      tcp: parsed.tcp,
      edns: parsed.edns,
      timeout: 5 * SECOND,
      attempts: 3,
      ...(parsed.port ? { port: parsed.port } : {}),
    },
  );
  return run;
}

function printDig(result: StubResult, args: DigArgs, write: (line: string) => void, elapsed: number): void {
  const response = result.response;
  if (!response) {
    const server = result.server ?? "server";
    write(`;; communications error to ${server}#${args.port ?? 53}: ${result.error ?? "timed out"}`);
    write(";; no servers could be reached");
    return;
  }
  if (args.short) {
    for (const r of response.answers) write(formatDnsRdata(r));
    return;
  }
  if (result.transport === "TCP" && !args.tcp) write(";; Truncated, retrying in TCP mode.");
  const flags = [
    response.response && "qr",
    response.authoritative && "aa",
    response.truncated && "tc",
    response.recursionDesired && "rd",
    response.recursionAvailable && "ra",
    response.authenticData && "ad",
    response.checkingDisabled && "cd",
  ].filter(Boolean);
  write(";; Got answer:");
  write(
    `;; ->>HEADER<<- opcode: ${dnsOpcodeName(response.opcode)}, status: ${dnsRcodeName(dnsFullRcode(response))}, id: ${response.id}`,
  );
  write(
    `;; flags: ${flags.join(" ")}; QUERY: ${response.questions.length}, ANSWER: ${response.answers.length}, AUTHORITY: ${response.authorities.length}, ADDITIONAL: ${response.additionals.length}`,
  );
  if (args.recurse && !response.recursionAvailable)
    write(";; WARNING: recursion requested but not available");
  write("");
  const edns = dnsEdns(response);
  if (edns) {
    write(";; OPT PSEUDOSECTION:");
    write(
      `; EDNS: version: ${edns.version}, flags:${edns.dnssecOk ? " do" : ""}; udp: ${edns.udpPayloadSize}`,
    );
  }
  write(";; QUESTION SECTION:");
  for (const q of response.questions) write(formatDnsQuestion(q));
  const section = (title: string, records: DnsRecord[]) => {
    const shown = records.filter((r) => r.type !== DnsType.OPT);
    if (shown.length === 0) return;
    write("");
    write(`;; ${title} SECTION:`);
    for (const r of shown) write(formatDnsRecord(r));
  };
  section("ANSWER", response.answers);
  section("AUTHORITY", response.authorities);
  section("ADDITIONAL", response.additionals);
  write("");
  write(`;; Query time: ${Math.round(elapsed / MILLISECOND)} msec`);
  write(`;; SERVER: ${result.server}#${args.port ?? 53}(${result.server}) (${result.transport})`);
  write(`;; MSG SIZE  rcvd: ${result.size}`);
  write("");
}

/** Runs `nslookup name [server]` on `node`. */
export function nslookup(
  node: Node,
  name: string,
  server?: string,
  options: { write?: (line: string) => void } = {},
): DigRun {
  const run = new Run();
  const output: string[] = [];
  const write = (line: string) => {
    output.push(line);
    options.write?.(line);
  };
  const address = server
    ? (Ipv4Address.tryParse(server) ?? Ipv6Address.tryParse(server))
    : nameservers(node)[0];
  const literal = Ipv4Address.tryParse(name) ?? Ipv6Address.tryParse(name);
  const qname = literal ? `${reverseName(literal)}.` : name;
  const type = literal ? DnsType.PTR : DnsType.A;
  if (!address) {
    write(";; connection timed out; no servers could be reached");
    node.scheduler.after(0, () => run.finish({ output, answers: [] }));
    return run;
  }
  stubResolve(
    node,
    qname,
    type,
    (result) => {
      const response = result.response;
      write(`Server:\t\t${address}`);
      write(`Address:\t${address}#53`);
      write("");
      if (!response) {
        write(";; connection timed out; no servers could be reached");
      } else if (response.rcode !== DnsRcode.NoError) {
        write(
          `** server can't find ${literal ? reverseName(literal) : name}: ${dnsRcodeName(dnsFullRcode(response))}`,
        );
      } else {
        if (!response.authoritative) write("Non-authoritative answer:");
        if (response.answers.length === 0) write(`*** Can't find ${name}: No answer`);
        for (const r of response.answers) {
          if (r.type === DnsType.CNAME) write(`${r.name}\tcanonical name = ${formatDnsRdata(r)}`);
          else if (r.type === DnsType.PTR) write(`${r.name}\tname = ${formatDnsRdata(r)}`);
          else if (r.type === DnsType.A || r.type === DnsType.AAAA) {
            write(`Name:\t${r.name}`);
            write(`Address: ${formatDnsRdata(r)}`);
          } else write(`${absoluteDnsName(r.name)}\t${formatDnsRdata(r)}`);
        }
      }
      write("");
      run.finish({
        output,
        ...(response ? { response, status: dnsRcodeName(dnsFullRcode(response)) } : {}),
        answers: result.answers,
      });
    },
    { servers: [address], search: !literal, anyRcode: true },
  );
  return run;
}
