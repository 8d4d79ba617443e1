/**
 * Builds a running {@link Network} from a loaded topology: the step between "the file is valid"
 * and "you can ping". Nodes by kind (a `server` is a host that runs services; a `router` forwards;
 * a `nat` is a router that translates, with the firewall where the file asks for one;
 * a `switch` is an 802.1Q learning bridge), their interfaces (MAC, MTU, VLAN sub-interfaces such
 * as `eth0.10`), addresses, default gateways and static routes, links with their impairments
 * (tc's units, parsed by src/link/impairments.ts), and switch ports as access or trunk ports.
 *
 * Automatic addressing (src/topology/addressing.ts) fills in what the file leaves out, so a lab
 * with no addresses at all still works. What the builder cannot apply (an impairment that does not
 * parse, a route whose gateway is on no connected subnet) comes back as a {@link TopologyError}
 * pointing at the file, line and column, like the loader's errors; building never throws on a
 * topology the loader accepted.
 *
 * The `exec` commands of each node are returned in file order for whoever runs the lab (the shell
 * runs them at start, as containerlab runs `exec` after deploying).
 */
import { Network } from "../devices/network.js";
import type { Node } from "../devices/node.js";
import { Router } from "../devices/router.js";
import {
  type LinkImpairments,
  parseDuration,
  parseLoss,
  parsePercent,
  parseRate,
} from "../link/impairments.js";
import type { Link } from "../link/link.js";
import type { PortMode, Switch } from "../link/switch.js";
import type { Scheduler } from "../sim/scheduler.js";
import type { Tracer } from "../trace/events.js";
import { assignAddresses } from "./addressing.js";
import { applyBgp } from "./bgp.js";
import type {
  ImpairmentSpec,
  InterfaceSpec,
  LinkSpec,
  NodeSpec,
  SourceLocation,
  TopologySpec,
} from "./model.js";
import { TopologyError } from "./model.js";
import { applyNatAndFirewall } from "./nat-firewall.js";
import { applyRouting } from "./routing.js";

export interface BuildOptions {
  /** Seed of the simulation's random source (default 1). */
  seed?: number;
  /** Share a scheduler (real-time runs, the web lab's stepper). */
  scheduler?: Scheduler;
  tracer?: Tracer;
  /** Fill in missing addresses, gateways and routes (default true). */
  autoAddress?: boolean;
  /**
   * Leave `tap:IFACE` links to the caller, who opens them on Linux in real time (`attachTaps` in
   * src/platform/tap/lab.ts). Without it, a topology with TAP links does not build: the error says
   * how to run it.
   */
  allowTaps?: boolean;
}

/** One `exec` line of a node, to run once the lab is up. */
export interface ExecSpec {
  node: string;
  command: string;
}

/** A link as the file declared it, with the running link. */
export interface BuiltLink {
  spec: LinkSpec;
  link: Link;
}

export interface BuiltLab {
  topology: TopologySpec;
  network: Network;
  links: BuiltLink[];
  /** `exec` commands in file order (node by node). */
  exec: ExecSpec[];
  /** What automatic addressing decided. */
  notes: string[];
}

export interface BuildResult {
  /** Present when there are no errors. */
  lab?: BuiltLab;
  errors: TopologyError[];
}

/** Builds the network a topology describes. */
export function buildNetwork(topology: TopologySpec, options: BuildOptions = {}): BuildResult {
  return new Builder(topology, options).build();
}

class Builder {
  private readonly errors: TopologyError[] = [];
  private readonly notes: string[] = [];
  private readonly network: Network;

  constructor(
    private readonly topology: TopologySpec,
    private readonly options: BuildOptions,
  ) {
    this.network = new Network({
      seed: options.seed ?? 1,
      ...(options.scheduler ? { scheduler: options.scheduler } : {}),
      ...(options.tracer ? { tracer: options.tracer } : {}),
    });
  }

  build(): BuildResult {
    if (this.options.autoAddress !== false) this.notes.push(...assignAddresses(this.topology).notes);
    for (const spec of this.topology.nodes.values()) this.addNode(spec);
    const links: BuiltLink[] = [];
    for (const spec of this.topology.links) {
      const link = this.addLink(spec);
      if (link) links.push({ spec, link });
    }
    this.checkTaps();
    // Addresses and routes after the links, so that interfaces exist and gateways are on-link.
    for (const spec of this.topology.nodes.values()) if (spec.kind !== "switch") this.configure(spec);
    // Routing protocols once every node is configured (BGP's networks look at the RIB).
    for (const spec of this.topology.nodes.values()) {
      const bgp = spec.bgp;
      const node = this.network.nodes.find((n) => n.name === spec.name);
      if (bgp && node instanceof Router)
        this.attempt(() => applyBgp(node, bgp), `"bgp" of node "${spec.name}"`, spec.location);
    }
    if (this.errors.length > 0) {
      this.errors.sort((a, b) => a.location.line - b.location.line || a.location.column - b.location.column);
      return { errors: this.errors };
    }
    const exec: ExecSpec[] = [];
    for (const spec of this.topology.nodes.values()) {
      for (const command of spec.exec) exec.push({ node: spec.name, command });
    }
    return {
      lab: { topology: this.topology, network: this.network, links, exec, notes: this.notes },
      errors: [],
    };
  }

  private error(message: string, location: SourceLocation): void {
    this.errors.push(new TopologyError(message, location));
  }

  private addNode(spec: NodeSpec): void {
    switch (spec.kind) {
      case "switch":
        this.network.addSwitch(spec.name);
        return;
      case "router":
      case "nat": // a router with NAT, switched on in configure()
        this.network.addRouter(spec.name);
        break;
      case "host":
      case "server":
        this.network.addHost(spec.name);
        break;
      default:
        this.error(`node "${spec.name}": kind "${spec.kind as string}" cannot be built yet`, spec.location);
        return;
    }
    const node = this.network.node(spec.name);
    // Parents before VLAN sub-interfaces ("eth0" before "eth0.10").
    const interfaces = [...spec.interfaces.values()].sort(
      (a, b) => Number(isSubinterface(a.name)) - Number(isSubinterface(b.name)),
    );
    for (const iface of interfaces) {
      try {
        node.addInterface(iface.name, {
          ...(iface.mac !== undefined ? { mac: iface.mac } : {}),
          ...(iface.mtu !== undefined ? { mtu: iface.mtu } : {}),
        });
      } catch (error) {
        this.error(
          `interface "${iface.name}" of node "${spec.name}": ${(error as Error).message}`,
          spec.location,
        );
      }
    }
  }

  private addLink(spec: LinkSpec): Link | undefined {
    const impairments = this.impairments(spec.impairments, `link #${this.linkNumber(spec)}`, spec.location);
    if (!impairments) return undefined;
    const a = `${spec.a.node}:${spec.a.iface}`;
    const b = `${spec.b.node}:${spec.b.iface}`;
    let link: Link;
    try {
      link = this.network.connect(a, b, impairments);
    } catch (error) {
      this.error(`link #${this.linkNumber(spec)}: ${(error as Error).message}`, spec.location);
      return undefined;
    }
    for (const end of [spec.a, spec.b]) {
      const node = this.topology.nodes.get(end.node);
      if (node?.kind !== "switch") continue;
      const mode = portMode(node.interfaces.get(end.iface));
      if (!mode) continue;
      try {
        this.switchNamed(end.node).setPortMode(end.iface, mode);
      } catch (error) {
        this.error(`port "${end.iface}" of switch "${end.node}": ${(error as Error).message}`, spec.location);
      }
    }
    return link;
  }

  /**
   * TAP links (`tap:IFACE` endpoints) reach the Linux kernel: the caller opens them once the
   * network is built (`attachTaps` in src/platform/tap/lab.ts), in real time. A caller that cannot
   * gets an error pointing at the link.
   */
  private checkTaps(): void {
    if (this.options.allowTaps) return;
    for (const tap of this.topology.taps ?? []) {
      this.error(
        `link to TAP interface "${tap.name}": TAP links reach the Linux kernel and need real time: run the lab with \`tinkernet run FILE --forever\` (or --realtime) on Linux`,
        tap.location,
      );
    }
  }

  private configure(spec: NodeSpec): void {
    let node: Node;
    try {
      node = this.network.node(spec.name);
    } catch {
      return; // its kind could not be built (already reported)
    }
    // IPv6 on every interface when the node asks (`ipv6: true` or `auto`); otherwise on the
    // interfaces that get an IPv6 address or advertise.
    if (spec.ipv6) this.attempt(() => node.enableIpv6(), `"ipv6" of node "${spec.name}"`, spec.location);
    for (const iface of spec.interfaces.values()) {
      for (const prefix of iface.ipv4) {
        try {
          node.addAddress(iface.name, prefix);
        } catch (error) {
          this.error(
            `"ipv4" of interface "${iface.name}" of node "${spec.name}": ${(error as Error).message}`,
            spec.location,
          );
        }
      }
      // Configured IPv6 addresses skip duplicate address detection (`ip addr add ... nodad`) so
      // the lab's first commands can use them at once; link-local and SLAAC addresses do DAD.
      for (const prefix of iface.ipv6) {
        this.attempt(
          () => node.addAddress(iface.name, prefix, { nodad: true }),
          `"ipv6" of interface "${iface.name}" of node "${spec.name}"`,
          spec.location,
        );
      }
      if (iface.ipv6Ra) {
        // A router that serves DNS names itself in its advertisements (RDNSS, RFC 8106).
        const dns = spec.dnsServer ? iface.ipv6.find((p) => !p.address.isLinkLocal)?.address : undefined;
        this.attempt(
          () => node.advertiseIpv6(iface.name, dns ? { dnsServers: [dns] } : {}),
          `"ipv6-ra" of interface "${iface.name}" of node "${spec.name}"`,
          spec.location,
        );
      }
    }
    if (spec.gateway) {
      try {
        node.setDefaultGateway(spec.gateway.toString());
      } catch (error) {
        this.error(`"gateway" of node "${spec.name}": ${(error as Error).message}`, spec.location);
      }
    }
    const gateway6 = spec.gateway6;
    if (gateway6) {
      // A link-local gateway (fe80::1, as routers usually are) needs its interface: the only one.
      const ifaces = [...spec.interfaces.keys()];
      const zone = gateway6.isLinkLocal && ifaces.length === 1 ? { iface: ifaces[0] } : {};
      this.attempt(
        () => node.setDefaultGateway(gateway6.toString(), zone),
        `"gateway6" of node "${spec.name}"`,
        spec.location,
      );
    }
    spec.routes.forEach((route, index) => {
      try {
        node.addRoute(route.to.toString(), route.via?.toString(), {
          ...(route.dev !== undefined ? { iface: route.dev } : {}),
          ...(route.distance !== undefined ? { distance: route.distance } : {}),
          ...(route.metric !== undefined ? { metric: route.metric } : {}),
        });
      } catch (error) {
        this.error(
          `route #${index + 1} of node "${spec.name}" (${route.to}): ${(error as Error).message}`,
          spec.location,
        );
      }
    }); // NAT and the firewall last: they look at the interfaces, addresses and routes.
    this.errors.push(...applyNatAndFirewall(node, spec));
    const nat64 = spec.nat64;
    if (nat64) this.attempt(() => node.enableNat64(nat64), `"nat64" of node "${spec.name}"`, spec.location);
    // Routing processes last: they read the interfaces and addresses, and start on the next tick.
    this.errors.push(...applyRouting(node, spec));
  }

  /** Runs a configuration step, reporting a failure as an error at `location`. */
  private attempt(action: () => unknown, what: string, location: SourceLocation): void {
    try {
      action();
    } catch (error) {
      this.error(`${what}: ${(error as Error).message}`, location);
    }
  }

  /** The file's impairments in the link layer's terms; undefined (and errors) when one does not parse. */
  private impairments(
    spec: ImpairmentSpec,
    where: string,
    location: SourceLocation,
  ): LinkImpairments | undefined {
    const result: LinkImpairments = {};
    let ok = true;
    const parse = <T>(
      key: keyof ImpairmentSpec,
      value: unknown,
      parser: (text: never) => T,
    ): T | undefined => {
      if (value === undefined) return undefined;
      try {
        return parser(value as never);
      } catch (error) {
        ok = false;
        this.error(`"${key}" of ${where}: ${(error as Error).message}`, location);
        return undefined;
      }
    };
    // The schema documents a bare number as a percentage (`loss: 1` is 1%), unlike tc's fraction.
    const percent = (value: string | number | undefined) => (typeof value === "number" ? `${value}%` : value);
    const rate = parse("rate", spec.rate, parseRate);
    const delay = parse("delay", spec.delay, parseDuration);
    const jitter = parse("jitter", spec.jitter, parseDuration);
    const loss = parse("loss", percent(spec.loss), (text: string) => {
      parseLoss(text); // checked here, so the error points at the file; the link parses it again
      return text;
    });
    const duplicate = parse("duplicate", percent(spec.duplicate), parsePercent);
    const reorder = parse("reorder", percent(spec.reorder), parsePercent);
    const corrupt = parse("corrupt", percent(spec.corrupt), parsePercent);
    if (!ok) return undefined;
    if (rate !== undefined) result.rate = rate;
    if (delay !== undefined) result.delay = delay;
    if (jitter !== undefined) result.jitter = jitter;
    if (loss !== undefined) result.loss = loss;
    if (duplicate !== undefined) result.duplicate = duplicate;
    if (reorder !== undefined) result.reorder = reorder;
    if (corrupt !== undefined) result.corrupt = corrupt;
    if (spec.mtu !== undefined) result.mtu = spec.mtu;
    if (spec.queue !== undefined) result.queueLimit = spec.queue;
    return result;
  }

  private linkNumber(spec: LinkSpec): number {
    return this.topology.links.indexOf(spec) + 1;
  }

  private switchNamed(name: string): Switch {
    return this.network.switch(name);
  }
}

const isSubinterface = (name: string) => /\.\d+$/.test(name);

/** The port mode a switch interface's settings ask for (undefined: the default access port in VLAN 1). */
function portMode(iface: InterfaceSpec | undefined): PortMode | undefined {
  if (!iface) return undefined;
  if (iface.trunk) {
    return {
      mode: "trunk",
      allowed: iface.trunk,
      ...(iface.native !== undefined ? { native: iface.native } : {}),
    };
  }
  if (iface.vlan !== undefined) return { mode: "access", vlan: iface.vlan };
  return undefined;
}
