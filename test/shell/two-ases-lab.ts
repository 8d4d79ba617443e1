/**
 * The lab of the BGP-in-the-shell tests (bgp-config-shell, bgp-policy-shell): two routers in two
 * ASes with a host each, and no `bgp:` key, so BGP and its policy come from shell lines only.
 */
import { labShell } from "../support/lab-shell.js";

const LAB = `name: two-ases-by-hand
topology:
  nodes:
    h1: {kind: host, interfaces: {eth0: {ipv4: 10.1.0.10/24}}, gateway: 10.1.0.1}
    # A static route of their own each, so the builder computes none for them (BGP brings them).
    r1: {kind: router, interfaces: {eth0: {ipv4: 10.1.0.1/24}, eth1: {ipv4: 10.0.12.1/24}}, routes: [{to: 192.0.2.0/24, via: 10.0.12.2}]}
    r2: {kind: router, interfaces: {eth0: {ipv4: 10.2.0.1/24}, eth1: {ipv4: 10.0.12.2/24}}, routes: [{to: 192.0.2.0/24, via: 10.0.12.1}]}
    h2: {kind: host, interfaces: {eth0: {ipv4: 10.2.0.10/24}}, gateway: 10.2.0.1}
  links:
    - endpoints: [h1:eth0, r1:eth0]
    - endpoints: [r1:eth1, r2:eth1]
    - endpoints: [r2:eth0, h2:eth0]
`;

/** The lab built (seed 7) with a shell on it. */
export function twoAsesByHand() {
  return labShell(LAB, { seed: 7, file: "bgp-by-hand.yml" });
}
