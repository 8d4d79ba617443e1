/** The shell's standard commands. */
import type { ShellCommand } from "../command.js";
import { bgpCommands } from "./bgp.js";
import { bgpPolicyCommands } from "./bgp-policy.js";
import { curlCommands } from "./curl.js";
import { dnsCommands } from "./dns.js";
import { firewallCommands } from "./firewall.js";
import { learnCommands } from "./learn.js";
import { mininetCommands } from "./mininet.js";
import { probeCommands } from "./probe.js";
import { routingCommands } from "./routing.js";
import { serviceCommands } from "./services.js";
import { viewCommands } from "./views.js";

export function defaultCommands(): ShellCommand[] {
  return [
    ...mininetCommands,
    ...probeCommands,
    ...curlCommands,
    ...dnsCommands,
    ...serviceCommands,
    ...viewCommands,
    ...bgpCommands,
    ...bgpPolicyCommands,
    ...firewallCommands,
    ...learnCommands,
    ...routingCommands,
  ];
}
