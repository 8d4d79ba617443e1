/**
 * BGP in the shell, as on FRR's vtysh: `show ip bgp [A.B.C.D/N]`, `show ip bgp summary`,
 * `show ip bgp neighbors [A.B.C.D [advertised-routes|routes]]` (views, registered with `show`), and `clear ip bgp *|A.B.C.D
 * [soft [in|out]]`.
 */
import type { Node } from "../../devices/node.js";
import { Router } from "../../devices/router.js";
import {
  showIpBgp,
  showIpBgpNeighborRoutes,
  showIpBgpNeighbors,
  showIpBgpPrefix,
  showIpBgpSummary,
} from "../../routing/bgp/show.js";
import { Bgp } from "../../routing/bgp/speaker.js";
import type { NodeCommand, NodeCommandContext } from "../command.js";
import { UsageError } from "../options.js";

/** The node's BGP speaker, or a usage error in FRR's words. */
function bgpOf(node: Node | undefined): Bgp {
  const process = node instanceof Router ? node.routing.get("bgp") : undefined;
  if (!(process instanceof Bgp)) throw new UsageError("BGP instance not found");
  return process;
}

/** Views added to `show` (see views.ts). */
export const bgpShowViews = [
  {
    words: ["ip", "bgp"],
    kinds: "l3" as const,
    run: ({ node }: NodeCommandContext, extra: string[]) =>
      extra[0] !== undefined ? showIpBgpPrefix(bgpOf(node), extra[0]) : showIpBgp(bgpOf(node)),
  },
  {
    words: ["ip", "bgp", "summary"],
    kinds: "l3" as const,
    run: ({ node }: NodeCommandContext) => showIpBgpSummary(bgpOf(node)),
  },
  {
    words: ["ip", "bgp", "neighbors"],
    kinds: "l3" as const,
    run: ({ node }: NodeCommandContext, extra: string[]) => {
      const [address, what] = extra;
      if (what === undefined) return showIpBgpNeighbors(bgpOf(node), address);
      if (address !== undefined && "advertised-routes".startsWith(what)) {
        return showIpBgpNeighborRoutes(bgpOf(node), address, "advertised");
      }
      if (address !== undefined && ("routes".startsWith(what) || "received-routes".startsWith(what))) {
        return showIpBgpNeighborRoutes(bgpOf(node), address, "received");
      }
      throw new UsageError(`unknown "${what}": expected advertised-routes or routes`);
    },
  },
];

const clear: NodeCommand = {
  scope: "node",
  name: "clear",
  kinds: ["router"],
  summary: "Reset BGP sessions (hard), or ask for / resend the routes (soft)",
  usage: "clear ip bgp *|A.B.C.D [soft [in|out]]",
  run(context) {
    const [ip, bgp, target, soft, direction] = context.args;
    if (ip !== "ip" || bgp !== "bgp" || target === undefined)
      throw new UsageError("usage: clear ip bgp *|A.B.C.D [soft [in|out]]");
    if (soft !== undefined && soft !== "soft") throw new UsageError(`unknown "${soft}": expected soft`);
    if (direction !== undefined && direction !== "in" && direction !== "out") {
      throw new UsageError(`unknown "${direction}": expected in or out`);
    }
    const mode = soft === undefined ? undefined : (direction ?? "both");
    context.out.write(bgpOf(context.node).clear(target, mode));
  },
};

export const bgpCommands: readonly NodeCommand[] = [clear];
