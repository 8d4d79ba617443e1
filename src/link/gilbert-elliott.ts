/**
 * The Gilbert-Elliott channel: losses on real links come in bursts (a microwave link in rain, a
 * Wi-Fi station behind a closing door), which independent coin flips cannot reproduce.
 *
 * Two states, Good and Bad, form a Markov chain advanced once per frame:
 *
 * ```
 *            p                 frame lost with probability
 *   Good ─────────► Bad          Good: lossGood (netem's 1-k)
 *        ◄─────────              Bad:  lossBad  (netem's 1-h)
 *            r
 * ```
 *
 * Gilbert (1960) had lossless Good and lossy Bad; Elliott (1963) let both lose. This is netem's
 * `loss gemodel p r 1-h 1-k` (Linux net/sched/sch_netem.c, `loss_gilb_ell`): the frame's fate is
 * drawn in the state it arrives in, then the chain moves. In the long run the chain is Bad for a
 * fraction p / (p + r) of frames, so the mean loss is
 * `(r·lossGood + p·lossBad) / (p + r)`; mean burst length is 1/r frames.
 */
import type { SeededRandom } from "../sim/random.js";
import type { GilbertElliottParams } from "./impairments.js";

export class GilbertElliott {
  /** Whether the chain is in the Bad state. Starts Good. */
  bad = false;

  constructor(readonly params: Required<GilbertElliottParams>) {}

  /** Decides the fate of one frame and advances the chain; true when the frame is lost. */
  lose(random: SeededRandom): boolean {
    const { p, r, lossBad, lossGood } = this.params;
    if (this.bad) {
      const lost = random.chance(lossBad);
      if (random.chance(r)) this.bad = false;
      return lost;
    }
    const lost = random.chance(lossGood);
    if (random.chance(p)) this.bad = true;
    return lost;
  }

  /** The long-run loss probability of these parameters. */
  static meanLoss(params: Required<GilbertElliottParams>): number {
    const { p, r, lossBad, lossGood } = params;
    if (p + r === 0) return lossGood;
    return (r * lossGood + p * lossBad) / (p + r);
  }
}
