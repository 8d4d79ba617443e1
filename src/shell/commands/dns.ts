/**
 * Names: `dig` and `nslookup` (src/apps/dns/dig.ts) on a node, and the name resolution other
 * commands share (a node name is its address; anything else goes through the node's stub resolver
 * and /etc/resolv.conf, as getaddrinfo would).
 */
import { dig as startDig, nslookup as startNslookup } from "../../apps/dns/dig.js";
import { resolveHost } from "../../apps/dns/stub.js";
import type { Node } from "../../devices/node.js";
import { SECOND } from "../../sim/time.js";
import { Ipv4Address } from "../../wire/address/ipv4.js";
import { Ipv6Address } from "../../wire/address/ipv6.js";
import type { NodeCommand } from "../command.js";
import { UsageError } from "../options.js";
import type { Shell } from "../shell.js";

/**
 * The address for `host` as `node` would find it: an IP literal as is, else the lab's DNS
 * through the node's resolver (AAAA with `family` 6, A with 4, see resolveHost otherwise). An
 * Error is the resolver's complaint ("Name or service not known").
 */
export async function resolveName(
  shell: Shell,
  node: Node,
  host: string,
  signal?: AbortSignal,
  family?: 4 | 6,
): Promise<string | Error> {
  if (Ipv4Address.tryParse(host) || Ipv6Address.tryParse(host)) return host;
  let answer: string | Error | undefined;
  resolveHost(node, host, family).then(
    (address) => {
      answer = address.toString();
    },
    (error: Error) => {
      answer = error;
    },
  );
  await shell.driver.until(() => answer !== undefined, { limit: 30 * SECOND, ...(signal ? { signal } : {}) });
  return answer ?? new Error(`${host}: Temporary failure in name resolution`);
}

const dig: NodeCommand = {
  scope: "node",
  name: "dig",
  summary: "ask a DNS server (BIND's dig): dig [@SERVER] NAME [TYPE] [+short] [+trace] [-x ADDR]",
  usage: "dig [@SERVER] [NAME] [TYPE] [+short] [+tcp] [+norecurse] [+trace] [-x ADDRESS] [-p PORT]",
  details:
    "Without @SERVER, the first nameserver of the node's /etc/resolv.conf (from the file's dns: key or DHCP).\n" +
    "Names are DNS names here; a node name stands for its address only after @ (dig @ns1 www.lab.example).",
  substitute: false,
  async run({ node, args, out, shell, signal }) {
    const argv = args.map((arg) =>
      arg.startsWith("@") && shell.hasNode(arg.slice(1)) ? `@${shell.substitute(arg.slice(1))}` : arg,
    );
    const run = startDig(node!, argv, { write: (line) => out.write(`${line}\n`) });
    await shell.driver.until(() => run.done, { signal, limit: 120 * SECOND });
    if (!run.done) return 1;
    const result = await run.result;
    // dig's exit status 9: no reply from any server.
    return {
      status: result.status === undefined ? 9 : 0,
      data: { status: result.status, answers: result.answers.length },
    };
  },
};

const nslookup: NodeCommand = {
  scope: "node",
  name: "nslookup",
  summary: "look a name (or an address) up in DNS",
  usage: "nslookup NAME|ADDRESS [SERVER]",
  details: "NAME is a DNS name (not replaced by a node's address); SERVER may be a node name.",
  substitute: false,
  async run({ node, args, out, shell, signal }) {
    const [name, serverWord, extra] = args;
    const server =
      serverWord !== undefined && shell.hasNode(serverWord) ? shell.substitute(serverWord) : serverWord;
    if (name === undefined || extra !== undefined)
      throw new UsageError("give a name (and optionally a server)");
    const run = startNslookup(node!, name, server, { write: (line) => out.write(`${line}\n`) });
    await shell.driver.until(() => run.done, { signal, limit: 60 * SECOND });
    if (!run.done) return 1;
    const result = await run.result;
    return { status: result.answers.length > 0 ? 0 : 1, data: { answers: result.answers.length } };
  },
};

export const dnsCommands: readonly NodeCommand[] = [dig, nslookup];
