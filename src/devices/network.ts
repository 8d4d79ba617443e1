/**
 * A network you build in code: one scheduler (the clock), one tracer (the event bus), and the
 * hosts, routers, switches and links between them.
 *
 * ```ts
 * const net = new Network({ seed: 1 });
 * const h1 = net.addHost("h1");
 * const r1 = net.addRouter("r1");
 * net.connect("h1:eth0", "r1:eth0", { rate: "1Gbit", delay: "1ms" });
 * h1.addAddress("eth0", "10.0.1.10/24");
 * h1.setGateway("10.0.1.1");
 * r1.addAddress("eth0", "10.0.1.1/24");
 * ```
 *
 * MAC addresses are handed out in creation order (02:00:00:00:00:01, ...), so the same program
 * builds the same network, and with the same seed the same frames (DESIGN.md principle 3).
 */
import { Link, type LinkOptions } from "../link/link.js";
import { type PortMode, Switch, type SwitchOptions } from "../link/switch.js";
import { Scheduler } from "../sim/scheduler.js";
import type { Nanoseconds } from "../sim/time.js";
import { Tracer } from "../trace/events.js";
import { MacAddress } from "../wire/address/mac.js";
import { Host } from "./host.js";
import type { Node, NodeOptions } from "./node.js";
import { Router } from "./router.js";

export interface NetworkOptions {
  /** Seed of the simulation's random source (default 1). */
  seed?: number;
  /** Share a scheduler (and its clock) with other components. */
  scheduler?: Scheduler;
  tracer?: Tracer;
}

/** Link settings for {@link Network.connect}, plus how a switch port at either end is set up. */
export interface ConnectOptions extends Partial<LinkOptions> {
  /** A switch end becomes an access port in this VLAN. */
  vlan?: number;
  /** A switch end becomes a trunk (carrying these VLANs, or all). */
  trunk?: readonly number[] | true;
  /** The trunk's native (untagged) VLAN. */
  native?: number;
}

/** Something that finishes: an app run (ping, traceroute) exposes `done`. */
export interface Task {
  readonly done: boolean;
}

export class Network {
  readonly scheduler: Scheduler;
  readonly tracer: Tracer;
  readonly links: Link[] = [];
  private readonly nodeMap = new Map<string, Node>();
  private readonly switchMap = new Map<string, Switch>();
  private macCounter = 0;
  private readonly allocateMac = (): MacAddress => MacAddress.local(++this.macCounter);

  constructor(options: NetworkOptions = {}) {
    this.scheduler = options.scheduler ?? new Scheduler({ seed: options.seed ?? 1 });
    this.tracer = options.tracer ?? new Tracer();
  }

  /** Adds a host (a node that does not forward). */
  addHost(name: string, options: NodeOptions = {}): Host {
    this.checkName(name);
    const host = new Host(name, this.scheduler, this.tracer, { allocateMac: this.allocateMac, ...options });
    this.nodeMap.set(name, host);
    return host;
  }

  /** Adds a router (a node that forwards). */
  addRouter(name: string, options: NodeOptions = {}): Router {
    this.checkName(name);
    const router = new Router(name, this.scheduler, this.tracer, {
      allocateMac: this.allocateMac,
      ...options,
    });
    this.nodeMap.set(name, router);
    return router;
  }

  /** Adds an Ethernet switch (ports are created by {@link connect}). */
  addSwitch(name: string, options: SwitchOptions = {}): Switch {
    this.checkName(name);
    const sw = new Switch(this.scheduler, name, this.tracer, options);
    this.switchMap.set(name, sw);
    return sw;
  }

  /** The node (host or router) called `name`. */
  node(name: string): Node {
    const node = this.nodeMap.get(name);
    if (!node) throw new RangeError(`no host or router named ${name}${this.suggest(name)}`);
    return node;
  }

  host(name: string): Host {
    const node = this.node(name);
    if (!(node instanceof Host)) throw new RangeError(`${name} is a ${node.kind}, not a host`);
    return node;
  }

  router(name: string): Router {
    const node = this.node(name);
    if (!(node instanceof Router)) throw new RangeError(`${name} is a ${node.kind}, not a router`);
    return node;
  }

  switch(name: string): Switch {
    const sw = this.switchMap.get(name);
    if (!sw) throw new RangeError(`no switch named ${name}${this.suggest(name)}`);
    return sw;
  }

  /** Every host and router, in creation order. */
  get nodes(): Node[] {
    return [...this.nodeMap.values()];
  }

  get switches(): Switch[] {
    return [...this.switchMap.values()];
  }

  /**
   * Connects two interfaces with a link: `connect("h1:eth0", "s1:eth1", {rate: "100Mbit", delay:
   * "2ms"})`. Node interfaces are created if missing; a switch end becomes a port (an access port
   * in VLAN 1 unless `vlan` or `trunk` says otherwise).
   */
  connect(a: string, b: string, options: ConnectOptions = {}): Link {
    const [aName, aPort] = splitEnd(a);
    const [bName, bPort] = splitEnd(b);
    const { vlan, trunk, native, ...linkOptions } = options;
    const link = new Link(
      this.scheduler,
      { ...linkOptions, name: options.name ?? `${a}-${b}`, a, b },
      this.tracer,
    );
    const mode: PortMode | undefined =
      trunk !== undefined
        ? {
            mode: "trunk",
            ...(trunk === true ? {} : { allowed: trunk }),
            ...(native !== undefined ? { native } : {}),
          }
        : vlan !== undefined
          ? { mode: "access", vlan }
          : undefined;
    this.plug(aName, aPort, link.a, mode);
    this.plug(bName, bPort, link.b, mode);
    this.links.push(link);
    return link;
  }

  private plug(name: string, port: string, endpoint: Link["a"], mode: PortMode | undefined): void {
    const sw = this.switchMap.get(name);
    if (sw) {
      sw.addPort(port, endpoint, mode);
      return;
    }
    this.node(name).attach(port, endpoint);
  }

  // ---------------------------------------------------------------------------------------------
  // Running

  /** Runs for `duration` of virtual time. */
  runFor(duration: Nanoseconds): void {
    this.scheduler.runFor(duration);
  }

  /** Runs until no events are left (careful with periodic protocols: use runFor). */
  run(maxEvents?: number): number {
    return this.scheduler.run(maxEvents);
  }

  /**
   * Runs until `task.done` (an app run) or the virtual clock passes `limit` after now (default
   * one hour). Returns whether the task finished.
   */
  runUntilDone(task: Task, limit: Nanoseconds = 3_600_000_000_000): boolean {
    return this.scheduler.runWhile(() => !task.done, this.scheduler.now + limit);
  }

  /**
   * Runs the simulation until `promise` settles and returns its value. Between instants of
   * virtual time it lets pending promise callbacks run, so async code awaiting the network
   * proceeds in virtual time. Rejects if the network falls idle (or passes `limit`) first.
   */
  async waitFor<T>(promise: Promise<T>, limit: Nanoseconds = 3_600_000_000_000): Promise<T> {
    let settled = false;
    promise.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    const deadline = this.scheduler.now + limit;
    await drainMicrotasks();
    while (!settled) {
      const next = this.scheduler.nextEventTime;
      if (next === undefined || next > deadline) {
        throw new Error(
          next === undefined
            ? "the network fell idle before the awaited operation finished"
            : "the awaited operation did not finish within the time limit",
        );
      }
      this.scheduler.runUntil(next);
      await drainMicrotasks();
    }
    return promise;
  }

  private checkName(name: string): void {
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name)) {
      throw new RangeError(`invalid device name "${name}" (letters, digits, _ . -)`);
    }
    if (this.nodeMap.has(name) || this.switchMap.has(name)) throw new RangeError(`${name} already exists`);
  }

  private suggest(name: string): string {
    const all = [...this.nodeMap.keys(), ...this.switchMap.keys()];
    const close = all.filter((n) => n.toLowerCase() === name.toLowerCase() || n.startsWith(name));
    return close.length ? ` (did you mean ${close.slice(0, 3).join(", ")}?)` : "";
  }
}

/** `"h1:eth0"` → `["h1", "eth0"]`. */
function splitEnd(end: string): [string, string] {
  const colon = end.indexOf(":");
  if (colon <= 0 || colon === end.length - 1) {
    throw new RangeError(`"${end}" should name a device and an interface, e.g. h1:eth0`);
  }
  return [end.slice(0, colon), end.slice(colon + 1)];
}

/** Lets promise callbacks chained on what just happened run (a few microtask turns). */
async function drainMicrotasks(): Promise<void> {
  for (let i = 0; i < 8; i++) await Promise.resolve();
}
