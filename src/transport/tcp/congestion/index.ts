/**
 * The congestion control modules, by name. CUBIC (RFC 9438) is the default, as in Linux.
 */
import type { CongestionControl } from "./congestion-control.js";
import { CubicCongestionControl } from "./cubic.js";
import { NewRenoCongestionControl } from "./newreno.js";

export type { AckSample, CongestionControl } from "./congestion-control.js";
export { initialWindow } from "./congestion-control.js";
export { CubicCongestionControl } from "./cubic.js";
export { NewRenoCongestionControl } from "./newreno.js";

/** The modules known by name. */
export const congestionControls = {
  newreno: (mss: number): CongestionControl => new NewRenoCongestionControl(mss),
  cubic: (mss: number): CongestionControl => new CubicCongestionControl(mss),
} as const;

export type CongestionControlName = keyof typeof congestionControls;

export function createCongestionControl(name: CongestionControlName, mss: number): CongestionControl {
  return congestionControls[name](mss);
}
