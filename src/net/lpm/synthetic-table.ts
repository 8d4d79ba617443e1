/**
 * A synthetic full Internet IPv4 table: a seeded, reproducible stand-in for a BGP feed, for
 * benchmarks and for labs that want a realistic core router without a real feed.
 *
 * The prefix-length mix follows the public IPv4 table of 2024 (CIDR Report / BGP analysis:
 * about 58% /24, 11% /23, 13.5% /22, 5.7% /21, 4.7% /20, then fewer and fewer towards /8; nothing
 * longer than /24, which transit networks filter). Placement mimics how the real table grows: most
 * prefixes are more-specifics carved out of a shorter prefix already announced (deaggregation of
 * an allocation, traffic engineering), the rest are independent allocations anywhere in the
 * public unicast space. Same seed, same table.
 */
import { SeededRandom } from "../../sim/random.js";

/** Prefix lengths /8../24 and their approximate counts in the 2024 IPv4 table. */
const LENGTH_WEIGHTS: readonly (readonly [number, number])[] = [
  [8, 16],
  [9, 13],
  [10, 38],
  [11, 105],
  [12, 300],
  [13, 600],
  [14, 1200],
  [15, 2100],
  [16, 13800],
  [17, 8500],
  [18, 14500],
  [19, 26000],
  [20, 45000],
  [21, 55000],
  [22, 130000],
  [23, 105000],
  [24, 560000],
];

/** Share of prefixes carved out of an already generated shorter prefix. */
const MORE_SPECIFIC_SHARE = 0.6;

export interface SyntheticTable {
  /** Network addresses (uint32, host bits clear), in announcement order (shuffled). */
  networks: Uint32Array;
  lengths: Uint8Array;
}

/** True for the first octets that carry no public unicast routes: 0, 10, 127, 224-255 (RFC 6890). */
function reservedFirstOctet(octet: number): boolean {
  return octet === 0 || octet === 10 || octet === 127 || octet >= 224;
}

/** `count` distinct prefixes with a realistic length mix, reproducible from `seed`. */
export function syntheticInternetTable(count: number, seed = 1): SyntheticTable {
  const rng = new SeededRandom(seed);
  const random = () => rng.next();
  const totalWeight = LENGTH_WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);
  // Draw the lengths first and generate shortest first, so more-specifics have parents to come from.
  const wanted = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    let pick = random() * totalWeight;
    let length = 24;
    for (const [l, weight] of LENGTH_WEIGHTS) {
      pick -= weight;
      if (pick < 0) {
        length = l;
        break;
      }
    }
    wanted[i] = length;
  }
  wanted.sort();

  const networks = new Uint32Array(count);
  const lengths = new Uint8Array(count);
  const seen = new Set<number>();
  let n = 0;
  let shorterEnd = 0; // generated prefixes [0, shorterEnd) are strictly shorter than the current length
  for (let i = 0; i < count; i++) {
    const length = wanted[i];
    if (i > 0 && wanted[i - 1] !== length) shorterEnd = n;
    const hostBits = 32 - length;
    for (let attempt = 0; ; attempt++) {
      let network: number;
      if (shorterEnd > 0 && random() < MORE_SPECIFIC_SHARE && attempt < 8) {
        const parent = Math.floor(random() * shorterEnd);
        const inside = Math.floor(random() * 2 ** (length - lengths[parent]));
        network = (networks[parent] + inside * 2 ** hostBits) >>> 0;
      } else {
        let octet: number;
        do octet = 1 + Math.floor(random() * 223);
        while (reservedFirstOctet(octet));
        const rest = Math.floor(random() * 2 ** 24);
        network = Math.floor((octet * 2 ** 24 + rest) / 2 ** hostBits) * 2 ** hostBits;
      }
      const key = network * 64 + length;
      if (seen.has(key)) continue;
      seen.add(key);
      networks[n] = network;
      lengths[n] = length;
      n++;
      break;
    }
  }
  // Fisher-Yates: routes arrive in no particular order, which exercises incremental leaf pushing.
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const network = networks[i];
    networks[i] = networks[j];
    networks[j] = network;
    const length = lengths[i];
    lengths[i] = lengths[j];
    lengths[j] = length;
  }
  return { networks, lengths };
}
