import { test } from "node:test";
import { pair, pattern, transfer } from "./support.js";

const MS = 1e6;
test("debug", () => {
  const p = pair(5, { sack: true, minRto: 200 * MS });
  p.network.setDefaults({ loss: 0.2, delay: 10 * MS, rate: 10e6 });
  const lines: string[] = [];
  p.tracer.subscribe((e) => {
    if (e.type === "tcp-segment")
      lines.push(
        `${(e.time / 1e6).toFixed(1)} ${e.node} ${e.direction} ${e.flags} seq=${e.seq} ack=${e.ack} win=${e.window} len=${e.length} ${e.retransmission ? "RTX" : ""} ${e.options.replace(/nop,nop,TS val \d+ ecr \d+/, "")}`,
      );
    else if (e.type === "tcp-state")
      lines.push(`${(e.time / 1e6).toFixed(1)} ${e.node} ${e.from} -> ${e.to}`);
    else if (e.type === "tcp-congestion")
      lines.push(
        `${(e.time / 1e6).toFixed(1)} ${e.node} cc ${e.reason} cwnd=${e.cwnd} ssthresh=${e.ssthresh} rto=${e.rto}`,
      );
  });
  const r = transfer(p, pattern(1 << 20), 3600e9, { congestionControl: "newreno" });
  console.log(JSON.stringify(r.client));
  console.log(JSON.stringify(r.server));
  console.log(lines.slice(-60).join("\n"));
});
