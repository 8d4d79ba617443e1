/**
 * Happy Eyeballs version 2 (RFC 8305): connecting to a name that has both IPv6 and IPv4
 * addresses without making the user wait when one family is broken.
 *
 * - **Both queries at once** (§3): AAAA and A are asked together. An AAAA answer starts the
 *   connection attempts at once; an A answer that comes first waits the *Resolution Delay* (50 ms)
 *   for the AAAA before IPv4 starts alone. Whatever arrives later joins the list.
 * - **Interleaved families** (§4): IPv6 first, then alternating (First Address Family Count 1), so a
 *   broken family costs one attempt, not all of its addresses.
 * - **Staggered attempts** (§5): the next address is tried when the last attempt fails, or after
 *   the *Connection Attempt Delay* (250 ms) without an answer — the earlier attempts stay open; the
 *   first to connect wins and the others are abandoned.
 *
 * An address literal (bracketed or not) is simply connected to. Node.js's `net.connect` does the
 * same with `autoSelectFamily`, whose attempt timeout is also 250 ms.
 */
import type { Node } from "../../devices/node.js";
import { MILLISECOND, type Nanoseconds } from "../../sim/time.js";
import type { NetSocket } from "../../socket/net.js";
import { Ipv4Address } from "../../wire/address/ipv4.js";
import { type IpAddress, Ipv6Address } from "../../wire/address/ipv6.js";
import { DnsType } from "../../wire/dns.js";
import { type StubResult, stubResolve } from "../dns/stub.js";

/** RFC 8305 §8's recommended defaults. */
export const RESOLUTION_DELAY = 50 * MILLISECOND;
export const CONNECTION_ATTEMPT_DELAY = 250 * MILLISECOND;

export interface HappyEyeballsOptions {
  /** Connection Attempt Delay (default 250 ms; RFC 8305 §5 says at least 100 ms). */
  attemptDelay?: Nanoseconds;
  /** Resolution Delay (default 50 ms). */
  resolutionDelay?: Nanoseconds;
  /** Only this family (curl -4 / -6). */
  family?: 4 | 6;
  /** Each attempt as it starts (curl -v prints "Trying ..."). */
  onAttempt?(address: IpAddress): void;
}

export interface HappyEyeballsAttempt {
  address: IpAddress;
  started: Nanoseconds;
  outcome: "connected" | "failed" | "abandoned" | "pending";
  errno?: string;
}

export interface HappyEyeballsResult {
  /** The connected socket, when an attempt won. */
  socket?: NetSocket;
  address?: IpAddress;
  /** Why there is no socket: the name did not resolve, or no address answered. */
  error?: "resolve" | "connect";
  /** The errno of the last failed attempt (ECONNREFUSED, EHOSTUNREACH, ...). */
  errno?: string;
  attempts: HappyEyeballsAttempt[];
}

/** An IP literal in a URL host or a command line: `10.0.0.1`, `2001:db8::1`, `[2001:db8::1]`. */
export function addressLiteral(host: string): IpAddress | undefined {
  return Ipv4Address.tryParse(host) ?? Ipv6Address.tryParse(host);
}

/** Connects to `host`:`port` on `node` the Happy Eyeballs way. Never rejects. */
export function happyEyeballs(
  node: Node,
  host: string,
  port: number,
  options: HappyEyeballsOptions = {},
): Promise<HappyEyeballsResult> {
  return new Promise((resolve) => new Race(node, host, port, options, resolve).start());
}

class Race {
  private readonly scheduler;
  private readonly attempts: HappyEyeballsAttempt[] = [];
  private readonly inFlight = new Map<HappyEyeballsAttempt, NetSocket>();
  /** Addresses not tried yet, in the order to try them. */
  private queue: IpAddress[] = [];
  private v6: IpAddress[] = [];
  private v4: IpAddress[] = [];
  private pendingQueries = 0;
  private started = false;
  private done = false;
  private lastErrno: string | undefined;
  private attemptTimer: ReturnType<Node["scheduler"]["after"]> | undefined;
  private resolutionTimer: ReturnType<Node["scheduler"]["after"]> | undefined;

  constructor(
    private readonly node: Node,
    private readonly host: string,
    private readonly port: number,
    private readonly options: HappyEyeballsOptions,
    private readonly resolve: (result: HappyEyeballsResult) => void,
  ) {
    this.scheduler = node.scheduler;
  }

  start(): void {
    const literal = addressLiteral(this.host);
    if (literal) {
      if (this.options.family !== undefined && literal.version !== this.options.family) {
        this.finish({ error: "resolve" });
        return;
      }
      this.queue = [literal];
      this.started = true;
      this.next();
      return;
    }
    // §3: both queries at once (only the one asked for with -4 / -6).
    const wantV6 = this.options.family !== 4;
    const wantV4 = this.options.family !== 6;
    if (wantV6) this.ask(DnsType.AAAA, 6);
    if (wantV4) this.ask(DnsType.A, 4);
  }

  private ask(type: number, family: 4 | 6): void {
    this.pendingQueries++;
    stubResolve(this.node, this.host, type, (result) => this.answered(family, result));
  }

  private answered(family: 4 | 6, result: StubResult): void {
    this.pendingQueries--;
    if (this.done) return;
    const addresses = result.answers.flatMap((record): IpAddress[] => {
      if (family === 6 && record.data.kind === "aaaa") return [record.data.address];
      if (family === 4 && record.data.kind === "a") return [record.data.address];
      return [];
    });
    if (family === 6) this.v6.push(...addresses);
    else this.v4.push(...addresses);
    this.requeue();
    if (!this.started) {
      if (family === 6 && addresses.length > 0) this.begin();
      else if (family === 4 && addresses.length > 0 && this.pendingQueries > 0) {
        // §3: an A answer first waits a little for the AAAA one.
        this.resolutionTimer ??= this.scheduler.after(
          this.options.resolutionDelay ?? RESOLUTION_DELAY,
          () => {
            if (!this.started) this.begin();
          },
        );
      } else if (this.pendingQueries === 0) this.begin();
      return;
    }
    if (this.inFlight.size === 0) this.next();
  }

  /**
   * The untried addresses, families interleaved (§4): IPv6 first, then whichever family was not
   * tried last, so a later answer does not put two attempts of one family in a row.
   */
  private requeue(): void {
    const tried = new Set(this.attempts.map((a) => a.address.toString()));
    const v6 = this.v6.filter((a) => !tried.has(a.toString()));
    const v4 = this.v4.filter((a) => !tried.has(a.toString()));
    const last = this.attempts.at(-1)?.address.version;
    const [first, second] = last === 6 ? [v4, v6] : [v6, v4];
    const queue: IpAddress[] = [];
    for (let i = 0; i < Math.max(first.length, second.length); i++) {
      if (i < first.length) queue.push(first[i]);
      if (i < second.length) queue.push(second[i]);
    }
    this.queue = queue;
  }

  private begin(): void {
    this.started = true;
    this.scheduler.cancel(this.resolutionTimer);
    if (this.queue.length === 0) {
      this.finish({ error: "resolve" });
      return;
    }
    this.next();
  }

  /** Starts the next attempt, if there is an address left; schedules the one after (§5). */
  private next(): void {
    if (this.done) return;
    this.scheduler.cancel(this.attemptTimer);
    this.attemptTimer = undefined;
    const address = this.queue.shift();
    if (!address) {
      if (this.inFlight.size === 0 && this.pendingQueries === 0) this.finish({ error: "connect" });
      return;
    }
    const attempt: HappyEyeballsAttempt = { address, started: this.scheduler.now, outcome: "pending" };
    this.attempts.push(attempt);
    this.options.onAttempt?.(address);
    const socket = this.node.net.connect(this.port, address.toString());
    this.inFlight.set(attempt, socket);
    const onConnect = () => {
      socket.off("error", onError);
      attempt.outcome = "connected";
      this.inFlight.delete(attempt);
      this.finish({ socket, address });
    };
    const onError = (error: NodeJS.ErrnoException) => {
      socket.off("connect", onConnect);
      attempt.outcome = "failed";
      attempt.errno = error.code;
      this.lastErrno = error.code;
      this.inFlight.delete(attempt);
      // §5: a failed attempt lets the next one start at once.
      this.next();
    };
    socket.once("connect", onConnect);
    socket.once("error", onError);
    if (this.queue.length > 0 || this.pendingQueries > 0) {
      this.attemptTimer = this.scheduler.after(this.options.attemptDelay ?? CONNECTION_ATTEMPT_DELAY, () => {
        this.attemptTimer = undefined;
        this.next();
      });
    }
  }

  private finish(result: Omit<HappyEyeballsResult, "attempts">): void {
    if (this.done) return;
    this.done = true;
    this.scheduler.cancel(this.attemptTimer);
    this.scheduler.cancel(this.resolutionTimer);
    // The losers are abandoned (their SYNs answered with RSTs if they still connect).
    for (const [attempt, socket] of this.inFlight) {
      attempt.outcome = "abandoned";
      socket.removeAllListeners("connect");
      socket.on("error", () => {});
      socket.destroy();
    }
    this.inFlight.clear();
    this.resolve({
      ...result,
      ...(result.error === "connect" && this.lastErrno ? { errno: this.lastErrno } : {}),
      attempts: this.attempts,
    });
  }
}
