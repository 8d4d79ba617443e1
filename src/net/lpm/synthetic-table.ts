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

// ---------------------------------------------------------------------------------------------
// IPv6

/**
 * Prefix lengths of the public IPv6 table (2024, about 200,000 prefixes; BGP analysis of
 * bgp.potaroo.net and RIPE RIS): /48 dominates (end sites and more-specifics), then /32 (an LIR's
 * allocation), /44, /40, /36, /29 (RIPE's allocation size) and the lengths around them; little
 * shorter than /20 and almost nothing longer than /48, which transit networks filter.
 */
const IPV6_LENGTH_WEIGHTS: readonly (readonly [number, number])[] = [
  [16, 5],
  [19, 20],
  [20, 200],
  [22, 150],
  [23, 50],
  [24, 300],
  [26, 100],
  [27, 150],
  [28, 1500],
  [29, 7000],
  [30, 1100],
  [31, 400],
  [32, 27000],
  [33, 1500],
  [34, 1800],
  [35, 1000],
  [36, 6500],
  [37, 700],
  [38, 2200],
  [39, 800],
  [40, 14500],
  [41, 600],
  [42, 2300],
  [43, 600],
  [44, 18000],
  [45, 2000],
  [46, 4000],
  [47, 3500],
  [48, 100000],
];

/** Where the RIRs allocate from (IANA's IPv6 unicast address assignments): 2001::/16 and five /12s. */
const IPV6_BLOCKS: readonly (readonly [number, number])[] = [
  [0x2001_0000, 16],
  [0x2400_0000, 12], // APNIC
  [0x2600_0000, 12], // ARIN
  [0x2800_0000, 12], // LACNIC
  [0x2a00_0000, 12], // RIPE NCC
  [0x2c00_0000, 12], // AFRINIC
];

/** Share of prefixes carved out of an already generated shorter one (an allocation's more-specifics). */
const IPV6_MORE_SPECIFIC_SHARE = 0.75;

export interface SyntheticIpv6Table {
  /** 16 octets per prefix, network form, in announcement order (shuffled). */
  networks: Uint8Array;
  lengths: Uint8Array;
}

/**
 * `count` distinct IPv6 prefixes with a realistic length mix and placement, reproducible from
 * `seed`: three in four are more-specifics of a shorter prefix already in the table (an
 * operator announcing /48s out of its /32, as most of the real table's /48s are), the rest
 * independent allocations in the RIR blocks. Only the top 64 bits are ever set.
 */
export function syntheticIpv6Table(count: number, seed = 1): SyntheticIpv6Table {
  const rng = new SeededRandom(seed);
  const random = () => rng.next();
  const totalWeight = IPV6_LENGTH_WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);
  const wanted = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    let pick = random() * totalWeight;
    let length = 48;
    for (const [l, weight] of IPV6_LENGTH_WEIGHTS) {
      pick -= weight;
      if (pick < 0) {
        length = l;
        break;
      }
    }
    wanted[i] = length;
  }
  wanted.sort();

  // The top 64 bits as two uint32 words; everything below is zero.
  const high = new Uint32Array(count);
  const low = new Uint32Array(count);
  const lengths = new Uint8Array(count);
  const seen = new Set<number>();
  let n = 0;
  let shorterEnd = 0;
  for (let i = 0; i < count; i++) {
    const length = wanted[i];
    if (i > 0 && wanted[i - 1] !== length) shorterEnd = n;
    for (let attempt = 0; ; attempt++) {
      let h: number;
      let l: number;
      if (shorterEnd > 0 && random() < IPV6_MORE_SPECIFIC_SHARE && attempt < 8) {
        const parent = Math.floor(random() * shorterEnd);
        [h, l] = randomInside(high[parent], low[parent], lengths[parent], random);
      } else {
        const [base, baseLength] = IPV6_BLOCKS[Math.floor(random() * IPV6_BLOCKS.length)];
        [h, l] = randomInside(base, 0, baseLength, random);
      }
      [h, l] = masked(h, l, length);
      // A 53-bit key is enough to tell apart prefixes of at most 48 bits (and the rare longer ones
      // collide harmlessly: the duplicate is simply redrawn).
      const key = (h * 0x10000 + (l >>> 16)) * 64 + length;
      if (seen.has(key)) continue;
      seen.add(key);
      high[n] = h;
      low[n] = l;
      lengths[n] = length;
      n++;
      break;
    }
  }
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [high[i], high[j]] = [high[j], high[i]];
    [low[i], low[j]] = [low[j], low[i]];
    [lengths[i], lengths[j]] = [lengths[j], lengths[i]];
  }
  const networks = new Uint8Array(16 * n);
  for (let i = 0; i < n; i++) {
    const at = 16 * i;
    networks[at] = high[i] >>> 24;
    networks[at + 1] = (high[i] >>> 16) & 0xff;
    networks[at + 2] = (high[i] >>> 8) & 0xff;
    networks[at + 3] = high[i] & 0xff;
    networks[at + 4] = low[i] >>> 24;
    networks[at + 5] = (low[i] >>> 16) & 0xff;
    networks[at + 6] = (low[i] >>> 8) & 0xff;
    networks[at + 7] = low[i] & 0xff;
  }
  return { networks, lengths };
}

/** Random top-64-bit words inside the prefix `high:low/length`. */
function randomInside(high: number, low: number, length: number, random: () => number): [number, number] {
  const h = length >= 32 ? high : (high | Math.floor(random() * 2 ** (32 - length))) >>> 0;
  const l =
    length >= 64
      ? low
      : length <= 32
        ? Math.floor(random() * 2 ** 32)
        : (low | Math.floor(random() * 2 ** (64 - length))) >>> 0;
  return [h >>> 0, l >>> 0];
}

/** The words with the bits after `length` cleared. */
function masked(high: number, low: number, length: number): [number, number] {
  const hm = length >= 32 ? 0xffffffff : length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
  const lm = length >= 64 ? 0xffffffff : length <= 32 ? 0 : (0xffffffff << (64 - length)) >>> 0;
  return [(high & hm) >>> 0, (low & lm) >>> 0];
}
