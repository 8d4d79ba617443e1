/** Wire-format benchmarks: `tinkernet bench wire`. */
import { internetChecksum } from "../src/wire/checksum.js";
import { opsPerSecond, type Report, round } from "./harness.js";

export function run(report: Report): void {
  const data = new Uint8Array(1500);
  for (let i = 0; i < data.length; i++) data[i] = (i * 131) & 0xff;
  let sink = 0;
  const perSecond = opsPerSecond(() => {
    sink ^= internetChecksum(data);
  });
  report({
    suite: "wire",
    name: "checksum-1500",
    value: round((perSecond * 1500) / 1e9),
    unit: "GB/s",
    target: 4,
  });
  if (sink === -1) console.log(sink);
}
