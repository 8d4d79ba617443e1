import { test } from "node:test";
import { pair, pattern, transfer } from "./support.js";

const MS = 1e6;
test("explore", () => {
  const cases = [
    { loss: 0.01, delay: 10 * MS, rate: 10e6, size: 1 << 20, cc: "cubic" },
    { loss: 0.05, delay: 10 * MS, rate: 10e6, size: 1 << 20, cc: "cubic" },
    { loss: 0.2, delay: 10 * MS, rate: 10e6, size: 1 << 20, cc: "newreno" },
    { loss: 0.01, delay: 50 * MS, rate: 1e9, size: 16 << 20, cc: "cubic" },
    { loss: 0, delay: 50 * MS, rate: 1e9, size: 64 << 20, cc: "cubic", queue: 1 << 20 },
    {
      loss: 0.05,
      delay: 5 * MS,
      rate: 100e6,
      size: 1 << 20,
      cc: "newreno",
      reorder: 0.1,
      dup: 0.05,
      corrupt: 0.02,
    },
  ] as const;
  for (const [i, c] of cases.entries()) {
    for (const sack of [true, false]) {
      const p = pair(i + 1, { sack, minRto: 200 * MS });
      p.network.setDefaults({
        loss: c.loss,
        delay: c.delay,
        rate: c.rate,
        queueBytes: "queue" in c ? c.queue : undefined,
        reorder: "reorder" in c ? c.reorder : 0,
        reorderDelay: 3 * MS,
        duplicate: "dup" in c ? c.dup : 0,
        corrupt: "corrupt" in c ? c.corrupt : 0,
      });
      const t0 = performance.now();
      const r = transfer(p, pattern(c.size), 3600e9, { congestionControl: c.cc });
      const wall = performance.now() - t0;
      console.log(
        JSON.stringify({
          ...c,
          sack,
          intact: r.intact,
          completed: r.completed,
          virt_s: r.elapsed / 1e9,
          wall_ms: Math.round(wall),
          rtx: r.client.retransmissions,
          to: r.client.timeouts,
          fr: r.client.fastRecoveries,
          goodput_mbps: ((c.size * 8) / (r.elapsed / 1e9) / 1e6).toFixed(1),
          errors: r.errors,
          net: p.network.stats,
        }),
      );
    }
  }
});
