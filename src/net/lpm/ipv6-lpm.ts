/**
 * Longest prefix match over IPv6 prefixes (128-bit keys): the IPv6 counterpart of `Ipv4Lpm`, with
 * the same interface (prefix ids; `lookup` returns the id of the longest match or -1) and, as
 * there, two forms chosen by size.
 *
 * - **Short list** (up to `listLimit` prefixes, 32 by default): (network, mask, id) as nine
 *   32-bit words each, longest prefix first, scanned until the first match. A host's table (its
 *   prefixes, its /128s, a default route) costs a few hundred bytes.
 *
 * - **A trie of 16-bit strides whose nodes are ranges**, above that. Each node covers 16 bits of
 *   the address (the root bits 0-15, its children bits 16-31, and so on: at most 8 levels) and is
 *   *leaf-pushed* like `Ipv4Lpm`'s: every one of its 65,536 keys has an answer — the id of the
 *   longest prefix covering it, or a child node. A node is stored as the sorted list of the
 *   intervals over which that answer is constant (DXR's "range table", Zec, Rizzo & Mikuc 2012),
 *   found by binary search, so a node holding two /48s is five intervals in one cache line; a node
 *   with more than {@link DENSE_LIMIT} intervals (a busy /16 such as 2001::/16 in a full table)
 *   becomes a direct array of 65,536 answers.
 *
 * ## Why this shape
 *
 * A million IPv6 prefixes are mostly /48s and /32s-/44s scattered over 2000::/3, and a lookup
 * costs about one cache miss per node it reads. Small fixed strides (a nibble trie) keep nodes
 * small but a /48 takes eleven dependent reads; wide fixed strides make a node per /32 cost a
 * quarter megabyte. Range nodes give wide strides at the size of their contents: an address under
 * a /48 reads three nodes (the root, its /16's node, its /32's node) — about three misses. Nodes
 * live in one `Int32Array` pool (header, then key/answer pairs side by side), and a node pointer
 * carries its form in its low bit, so no lookup reads anything but the pool.
 *
 * Updates are incremental. Inserting a prefix splits the intervals of its node at its ends and
 * takes the keys whose answer was a shorter prefix; children that inherit a shorter answer get it
 * replaced throughout (each node records what it inherits). Deleting hands the prefix's keys to
 * its longest cover (one exact-match probe per prefix length present) and folds back nodes left
 * uniform. Nodes that outgrow their room move to the end of the pool; when the abandoned space
 * exceeds half the pool the trie is rebuilt in address order, which also lays each subtree out
 * contiguously.
 */

/** The prefix count up to which the set stays a linearly scanned list. */
export const LPM6_LIST_LIMIT = 32;
/** Intervals beyond which a node becomes a direct array of 65,536 answers. */
export const DENSE_LIMIT = 1024;
/** Prefixes beyond which the root is a direct array (1 read instead of a search, for 256 KB). */
export const DIRECT_ROOT_AT = 1024;
/** Range nodes up to this many intervals are scanned rather than binary searched. */
const SCAN_LIMIT = 16;
/** Addresses a bulk lookup walks side by side. */
const BULK = 8;

const BYTES = 16;
const MAX_LENGTH = 128;
const KEYS = 65536;
/**
 * Range node layout at offset o: `count | capacity << 16`; then the start keys of intervals
 * 1..capacity-1 packed two per word (high half first; interval 0 always starts at 0); then the
 * `capacity` answers; then the id the node inherits. Nine intervals take 14 words, about one
 * cache line, which is what a lookup pays for.
 */
const RANGE_HEADER = 1;
/** Direct node layout: a spare word, the inherited id, then 65,536 answers. */
const DIRECT_HEADER = 2;
/** Largest capacity a range node's header can hold. */
const MAX_CAPACITY = 0x7fff;
/** 9 words per list entry: network (4), mask (4), id. */
const LIST_ENTRY = 9;
const NO_POOL = new Int32Array(0);

export interface Ipv6LpmOptions {
  /**
   * Largest prefix count kept as a short list (default 32); back to the list when it shrinks to a
   * quarter of this. 0 keeps the trie at all sizes.
   */
  listLimit?: number;
}

/** An answer that is a prefix id (or none, for id -1) rather than a child node: always ≤ 0. */
function leaf(id: number): number {
  return -id - 1;
}

function leafId(value: number): number {
  return -value - 1;
}

/** The level (node depth) that holds a prefix of `length`: /0-/16 the root, /17-/32 the next... */
function levelOf(length: number): number {
  return length <= 16 ? 0 : (length - 1) >>> 4;
}

/** Big-endian 32-bit word `w` (0-3) of the 16 octets at `offset`, as a signed int. */
function word(bytes: Uint8Array, offset: number, w: number): number {
  const at = offset + 4 * w;
  return (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
}

/** The 16-bit key of `level` in the 16 octets at `offset`. */
function keyAt(bytes: Uint8Array, offset: number, level: number): number {
  const at = offset + 2 * level;
  return (bytes[at] << 8) | bytes[at + 1];
}

function maskWord(length: number, w: number): number {
  const bits = length - 32 * w;
  if (bits <= 0) return 0;
  if (bits >= 32) return -1;
  return -1 << (32 - bits);
}

function hashOf(bytes: Uint8Array, offset: number, length: number): number {
  let h = Math.imul(length + 1, 0x9e3779b9);
  for (let w = 0; w < 4; w++) {
    h = Math.imul(h ^ word(bytes, offset, w), 0x85ebca6b);
    h ^= h >>> 13;
  }
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function hashCapacity(count: number): number {
  let capacity = 16;
  while (capacity < 2 * count) capacity *= 2;
  return capacity;
}

interface TrieIndex {
  /** Exact match: open addressing (linear probing, at most half full) of ids, -1 empty. */
  hash: Int32Array;
  /** Prefixes per length, to skip absent lengths when searching a cover. */
  perLength: Int32Array;
}

/** Where a node's pointer is kept: the root, or the answer for `key` in the parent node. */
interface Holder {
  parent: number;
  key: number;
}

export class Ipv6Lpm {
  private readonly listLimit: number;

  // Per prefix id.
  private networks = new Uint8Array(4 * BYTES);
  private lengths = new Uint8Array(4);
  private idCount = 0;
  private readonly freeIds: number[] = [];
  private count = 0;

  private list = new Int32Array(0);
  /** Node storage; pointers are offset × 2, plus 1 for a direct node. Offsets start at 1. */
  private pool = NO_POOL;
  private poolUsed = 0;
  /** Words of the pool no node uses any more. */
  private garbage = 0;
  private nodes = 0;
  /** The root node's pointer (0: no trie). */
  private root = 0;
  private index: TrieIndex | undefined;
  private readonly scratch = new Uint8Array(BYTES);
  /** Lanes of a bulk lookup: each one's current node (or answer) and address offset. */
  private readonly bulkValues = new Int32Array(BULK);
  private readonly bulkOffsets = new Int32Array(BULK);
  /** Holders along the current insert or delete. */
  private readonly path: Holder[] = [];

  constructor(options: Ipv6LpmOptions = {}) {
    this.listLimit = Math.max(0, Math.floor(options.listLimit ?? LPM6_LIST_LIMIT));
    if (this.listLimit === 0) this.buildTrie();
  }

  get size(): number {
    return this.count;
  }

  /** Trie nodes in use, the root included (1 while the set is a short list). */
  get nodeCount(): number {
    return this.index ? this.nodes : 1;
  }

  get isTrie(): boolean {
    return this.index !== undefined;
  }

  /** The 16 network octets of prefix `id` (a view: copy it before keeping it). */
  network(id: number): Uint8Array {
    return this.networks.subarray(id * BYTES, id * BYTES + BYTES);
  }

  prefixLength(id: number): number {
    return this.lengths[id];
  }

  /**
   * The id of the longest prefix containing the address at `bytes[offset..offset+16)`, or -1.
   * Allocation-free: one node per 16 bits, each a direct read or a search of its intervals.
   */
  lookup(bytes: Uint8Array, offset = 0): number {
    let v = this.root;
    if (v > 0) {
      let at = offset;
      do {
        v = this.step(v, (bytes[at] << 8) | bytes[at + 1]);
        at += 2;
      } while (v > 0);
      return -v - 1;
    }
    return this.listLookup(bytes, offset);
  }

  /**
   * Looks up `count` addresses stored back to back (16 octets each) from `bytes[offset]`, writing
   * each one's id (or -1) to `out`: the answers of {@link lookup}, found eight at a time, level by
   * level, so the memory reads of different addresses overlap instead of each waiting for the one
   * before — the way a router looks up a burst of packets (DPDK's `rte_lpm6_lookup_bulk_func`).
   */
  lookupBulk(bytes: Uint8Array, offset: number, count: number, out: Int32Array): void {
    if (this.root <= 0) {
      for (let i = 0; i < count; i++) out[i] = this.listLookup(bytes, offset + BYTES * i);
      return;
    }
    const v = this.bulkValues;
    const at = this.bulkOffsets;
    for (let first = 0; first < count; first += BULK) {
      const lanes = Math.min(BULK, count - first);
      for (let k = 0; k < lanes; k++) {
        v[k] = this.root;
        at[k] = offset + BYTES * (first + k);
      }
      for (let live = lanes; live > 0; ) {
        live = 0;
        for (let k = 0; k < lanes; k++) {
          const value = v[k];
          if (value <= 0) continue;
          const a = at[k];
          at[k] = a + 2;
          const next = this.step(value, (bytes[a] << 8) | bytes[a + 1]);
          v[k] = next;
          if (next > 0) live++;
        }
      }
      for (let k = 0; k < lanes; k++) out[first + k] = -v[k] - 1;
    }
  }

  /** One node of a lookup: the answer of node `v` for the 16-bit `key`. */
  private step(v: number, key: number): number {
    const pool = this.pool;
    const o = v >>> 1;
    if ((v & 1) !== 0) return pool[o + DIRECT_HEADER + key];
    // The last interval that starts at or before `key`: small nodes are scanned without branches
    // (V8 compiles comparisons to branches, and a mispredicted one stalls the memory reads of the
    // lookups in flight), big ones binary searched.
    const header = pool[o];
    const n = header & 0xffff;
    let i = 0;
    if (n <= SCAN_LIMIT) {
      let w = o + 1;
      const last = o + 1 + ((n - 1) >>> 1);
      for (; w < last; w++) {
        const pair = pool[w];
        i += ((key - (pair >>> 16)) >> 31) + ((key - (pair & 0xffff)) >> 31) + 2;
      }
      if (((n - 1) & 1) !== 0) i += ((key - (pool[w] >>> 16)) >> 31) + 1;
    } else {
      let hi = n - 1;
      while (i < hi) {
        const mid = (i + hi + 1) >>> 1;
        const pair = pool[o + 1 + ((mid - 1) >>> 1)];
        if ((((mid - 1) & 1) !== 0 ? pair & 0xffff : pair >>> 16) <= key) i = mid;
        else hi = mid - 1;
      }
    }
    return pool[o + 1 + (header >>> 17) + i];
  }

  private listLookup(bytes: Uint8Array, offset: number): number {
    const list = this.list;
    const used = LIST_ENTRY * this.count;
    if (used === 0) return -1;
    const a0 = word(bytes, offset, 0);
    const a1 = word(bytes, offset, 1);
    const a2 = word(bytes, offset, 2);
    const a3 = word(bytes, offset, 3);
    for (let i = 0; i < used; i += LIST_ENTRY) {
      if (
        ((a0 ^ list[i]) & list[i + 4]) === 0 &&
        ((a1 ^ list[i + 1]) & list[i + 5]) === 0 &&
        ((a2 ^ list[i + 2]) & list[i + 6]) === 0 &&
        ((a3 ^ list[i + 3]) & list[i + 7]) === 0
      ) {
        return list[i + 8];
      }
    }
    return -1;
  }

  /** The id of exactly `network/length`, or -1. */
  find(network: Uint8Array, length: number, offset = 0): number {
    if (this.index) {
      const hash = this.index.hash;
      const mask = hash.length - 1;
      for (let cell = hashOf(network, offset, length) & mask; ; cell = (cell + 1) & mask) {
        const id = hash[cell];
        if (id < 0) return -1;
        if (this.lengths[id] === length && this.sameNetwork(id, network, offset)) return id;
      }
    }
    for (let i = 0; i < LIST_ENTRY * this.count; i += LIST_ENTRY) {
      const id = this.list[i + 8];
      if (this.lengths[id] === length && this.sameNetwork(id, network, offset)) return id;
    }
    return -1;
  }

  /** Adds `network/length` (host bits must be clear); returns its id, or the existing one. */
  insert(network: Uint8Array, length: number): number {
    if (!Number.isInteger(length) || length < 0 || length > MAX_LENGTH) {
      throw new RangeError(`IPv6 prefix length ${length} is outside 0..128`);
    }
    if (network.length !== BYTES) throw new RangeError("an IPv6 network is 16 bytes");
    for (let w = 0; w < 4; w++) {
      if ((word(network, 0, w) & ~maskWord(length, w)) !== 0) {
        throw new RangeError(`IPv6 prefix /${length} has host bits set`);
      }
    }
    const existing = this.find(network, length);
    if (existing >= 0) return existing;
    const id = this.allocateId();
    this.networks.set(network, id * BYTES);
    this.lengths[id] = length;
    this.count++;
    if (this.index) {
      this.hashInsert(this.index, id);
      this.index.perLength[length]++;
      this.trieInsert(id);
    } else if (this.count > this.listLimit) {
      const ids = this.listedIds(this.count - 1);
      ids.push(id);
      this.buildTrie(ids);
    } else {
      this.listInsert(id);
    }
    return id;
  }

  /** Removes prefix `id`. Its id may be reused by a later insert. */
  delete(id: number): void {
    if (id < 0 || id >= this.idCount) return;
    const length = this.lengths[id];
    if (this.find(this.networks, length, id * BYTES) !== id) return;
    this.count--;
    if (this.index) {
      this.hashDelete(this.index, id);
      this.index.perLength[length]--;
      this.trieDelete(this.index, id);
      this.freeIds.push(id);
      if (this.listLimit > 0 && this.count <= this.listLimit >>> 2) this.buildList();
      else if (this.wasteful(this.index)) this.buildTrie(this.allIds());
      return;
    }
    this.listDelete(id);
    this.freeIds.push(id);
  }

  remove(network: Uint8Array, length: number): boolean {
    const id = this.find(network, length);
    if (id < 0) return false;
    this.delete(id);
    return true;
  }

  /** All ids in prefix order: by network address, a shorter prefix before the longer ones it covers. */
  orderedIds(): Int32Array {
    const ids = this.allIds();
    this.sortByAddress(ids);
    return Int32Array.from(ids);
  }

  clear(): void {
    this.count = 0;
    this.idCount = 0;
    this.freeIds.length = 0;
    this.networks = new Uint8Array(4 * BYTES);
    this.lengths = new Uint8Array(4);
    this.list = new Int32Array(0);
    this.pool = NO_POOL;
    this.poolUsed = 0;
    this.garbage = 0;
    this.nodes = 0;
    this.root = 0;
    this.index = undefined;
    if (this.listLimit === 0) this.buildTrie();
  }

  /** Bytes held by the typed arrays. */
  memoryBytes(): number {
    let bytes = this.networks.byteLength + this.lengths.byteLength + this.list.byteLength;
    if (this.index)
      bytes += this.pool.byteLength + this.index.hash.byteLength + this.index.perLength.byteLength;
    return bytes;
  }

  // ---- ids ----------------------------------------------------------------------------------

  private sameNetwork(id: number, network: Uint8Array, offset: number): boolean {
    const networks = this.networks;
    const at = id * BYTES;
    for (let i = BYTES - 1; i >= 0; i--) if (networks[at + i] !== network[offset + i]) return false;
    return true;
  }

  private allocateId(): number {
    const reused = this.freeIds.pop();
    if (reused !== undefined) return reused;
    const id = this.idCount++;
    if (id >= this.lengths.length) {
      const capacity = Math.ceil(this.lengths.length * 1.5) + 4;
      const networks = new Uint8Array(capacity * BYTES);
      networks.set(this.networks);
      this.networks = networks;
      const lengths = new Uint8Array(capacity);
      lengths.set(this.lengths);
      this.lengths = lengths;
    }
    return id;
  }

  private allIds(): number[] {
    const ids: number[] = [];
    if (this.index) {
      const hash = this.index.hash;
      for (let cell = 0; cell < hash.length; cell++) if (hash[cell] >= 0) ids.push(hash[cell]);
    } else {
      for (let i = 8; i < LIST_ENTRY * this.count; i += LIST_ENTRY) ids.push(this.list[i]);
    }
    return ids;
  }

  private sortByAddress(ids: number[]): void {
    const networks = this.networks;
    const lengths = this.lengths;
    ids.sort((a, b) => {
      for (let w = 0; w < 4; w++) {
        const x = word(networks, a * BYTES, w) >>> 0;
        const y = word(networks, b * BYTES, w) >>> 0;
        if (x !== y) return x < y ? -1 : 1;
      }
      return lengths[a] - lengths[b];
    });
  }

  /** Half the pool abandoned (or the hash mostly empty): rebuild at the current size. */
  private wasteful(index: TrieIndex): boolean {
    return (
      (this.garbage > 1 << 16 && 2 * this.garbage > this.poolUsed) ||
      (index.hash.length > 64 && 8 * this.count < index.hash.length)
    );
  }

  // ---- the short list -----------------------------------------------------------------------

  private listInsert(id: number): void {
    const used = LIST_ENTRY * (this.count - 1);
    if (this.list.length < used + LIST_ENTRY) {
      const grown = new Int32Array(LIST_ENTRY * Math.min(this.listLimit, this.count + 2));
      grown.set(this.list.subarray(0, used));
      this.list = grown;
    }
    const length = this.lengths[id];
    let at = used;
    while (at > 0 && this.lengths[this.list[at - 1]] < length) {
      this.list.copyWithin(at, at - LIST_ENTRY, at);
      at -= LIST_ENTRY;
    }
    const offset = id * BYTES;
    for (let w = 0; w < 4; w++) {
      this.list[at + w] = word(this.networks, offset, w);
      this.list[at + 4 + w] = maskWord(length, w);
    }
    this.list[at + 8] = id;
  }

  private listDelete(id: number): void {
    const used = LIST_ENTRY * (this.count + 1);
    for (let i = 0; i < used; i += LIST_ENTRY) {
      if (this.list[i + 8] !== id) continue;
      this.list.copyWithin(i, i + LIST_ENTRY, used);
      return;
    }
  }

  private buildList(): void {
    const ids = this.allIds();
    this.index = undefined;
    this.pool = NO_POOL;
    this.poolUsed = 0;
    this.garbage = 0;
    this.nodes = 0;
    this.root = 0;
    this.list = new Int32Array(0);
    const count = this.count;
    for (let i = 0; i < ids.length; i++) {
      this.count = i + 1;
      this.listInsert(ids[i]);
    }
    this.count = count;
  }

  private listedIds(listed: number): number[] {
    const ids: number[] = [];
    for (let i = 8; i < LIST_ENTRY * listed; i += LIST_ENTRY) ids.push(this.list[i]);
    return ids;
  }

  // ---- the exact-match hash -----------------------------------------------------------------

  private hashInsert(index: TrieIndex, id: number): void {
    if (2 * this.count > index.hash.length) {
      const old = index.hash;
      index.hash = new Int32Array(2 * old.length).fill(-1);
      for (let cell = 0; cell < old.length; cell++) if (old[cell] >= 0) this.hashInsert(index, old[cell]);
    }
    const hash = index.hash;
    const mask = hash.length - 1;
    let cell = hashOf(this.networks, id * BYTES, this.lengths[id]) & mask;
    while (hash[cell] >= 0) cell = (cell + 1) & mask;
    hash[cell] = id;
  }

  /** Backward-shift deletion (Knuth, TAOCP vol. 3, 6.4, Algorithm R): no tombstones. */
  private hashDelete(index: TrieIndex, id: number): void {
    const hash = index.hash;
    const mask = hash.length - 1;
    let hole = hashOf(this.networks, id * BYTES, this.lengths[id]) & mask;
    while (hash[hole] !== id) hole = (hole + 1) & mask;
    hash[hole] = -1;
    for (let cell = (hole + 1) & mask; hash[cell] >= 0; cell = (cell + 1) & mask) {
      const other = hash[cell];
      const home = hashOf(this.networks, other * BYTES, this.lengths[other]) & mask;
      const homeInRun = hole <= cell ? hole < home && home <= cell : hole < home || home <= cell;
      if (homeInRun) continue;
      hash[hole] = other;
      hash[cell] = -1;
      hole = cell;
    }
  }

  /** The longest prefix strictly shorter than `length` covering the network of `id`, or -1. */
  private coveringPrefix(index: TrieIndex, id: number, length: number): number {
    const scratch = this.scratch;
    const offset = id * BYTES;
    for (let l = length - 1; l >= 0; l--) {
      if (index.perLength[l] === 0) continue;
      for (let i = 0; i < BYTES; i++) {
        const bits = l - 8 * i;
        const mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : (0xff << (8 - bits)) & 0xff;
        scratch[i] = this.networks[offset + i] & mask;
      }
      const cover = this.find(scratch, l);
      if (cover >= 0) return cover;
    }
    return -1;
  }

  // ---- the pool -----------------------------------------------------------------------------

  private allocate(words: number): number {
    if (this.poolUsed + words > this.pool.length) {
      const grown = new Int32Array(Math.max(1024, Math.ceil((this.poolUsed + words) * 1.5)));
      grown.set(this.pool.subarray(0, this.poolUsed));
      this.pool = grown;
    }
    const offset = this.poolUsed;
    this.poolUsed += words;
    this.nodes++;
    return offset;
  }

  /** Words a range node of `capacity` intervals takes. */
  private static rangeWords(capacity: number): number {
    return RANGE_HEADER + (capacity >>> 1) + capacity + 1;
  }

  private release(pointer: number): void {
    const offset = pointer >>> 1;
    this.garbage += (pointer & 1) !== 0 ? DIRECT_HEADER + KEYS : Ipv6Lpm.rangeWords(this.pool[offset] >>> 16);
    this.nodes--;
  }

  /** The start key of interval `j` of the range node at `offset`. */
  private keyOf(offset: number, j: number): number {
    if (j === 0) return 0;
    const pair = this.pool[offset + 1 + ((j - 1) >>> 1)];
    return ((j - 1) & 1) !== 0 ? pair & 0xffff : pair >>> 16;
  }

  /** Where the answer of interval `j` of the range node at `offset` is kept. */
  private valueSlot(offset: number, j: number): number {
    return offset + 1 + (this.pool[offset] >>> 17) + j;
  }

  private inheritedSlot(pointer: number): number {
    const offset = pointer >>> 1;
    if ((pointer & 1) !== 0) return offset + 1;
    const capacity = this.pool[offset] >>> 16;
    return offset + 1 + (capacity >>> 1) + capacity;
  }

  private inheritedOf(pointer: number): number {
    return this.pool[this.inheritedSlot(pointer)];
  }

  /** Writes intervals into the range node at `offset`, whose capacity must hold them. */
  private fillRanges(offset: number, capacity: number, keys: number[], values: number[]): void {
    const pool = this.pool;
    const n = keys.length;
    pool[offset] = n | (capacity << 16);
    for (let j = 1; j < n; j += 2) {
      pool[offset + 1 + ((j - 1) >>> 1)] = (keys[j] << 16) | (j + 1 < n ? keys[j + 1] : 0);
    }
    const values0 = offset + 1 + (capacity >>> 1);
    for (let j = 0; j < n; j++) pool[values0 + j] = values[j];
  }

  /** A new range node with the given intervals (or a direct node when there are too many). */
  private newNode(keys: number[], values: number[], inherited: number): number {
    const n = keys.length;
    if (n > DENSE_LIMIT) return this.newDirect(keys, values, inherited);
    const capacity = Math.min(MAX_CAPACITY, n + Math.max(1, n >>> 2));
    const offset = this.allocate(Ipv6Lpm.rangeWords(capacity));
    this.fillRanges(offset, capacity, keys, values);
    const pointer = offset << 1;
    this.pool[this.inheritedSlot(pointer)] = inherited;
    return pointer;
  }

  private newDirect(keys: number[], values: number[], inherited: number): number {
    const offset = this.allocate(DIRECT_HEADER + KEYS);
    const pool = this.pool;
    pool[offset] = 0;
    pool[offset + 1] = inherited;
    const base = offset + DIRECT_HEADER;
    for (let i = 0; i < keys.length; i++) {
      const end = i + 1 < keys.length ? keys[i + 1] : KEYS;
      pool.fill(values[i], base + keys[i], base + end);
    }
    return (offset << 1) | 1;
  }

  /** Where node `pointer` keeps its answer for `key`. */
  private answerSlot(pointer: number, key: number): number {
    const offset = pointer >>> 1;
    if ((pointer & 1) !== 0) return offset + DIRECT_HEADER + key;
    return this.valueSlot(offset, this.intervalOf(offset, key));
  }

  /** Index of the interval of the range node at `offset` that holds `key`. */
  private intervalOf(offset: number, key: number): number {
    let lo = 0;
    let hi = (this.pool[offset] & 0xffff) - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.keyOf(offset, mid) <= key) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** A range node's intervals as arrays (to be edited and written back). */
  private readRanges(pointer: number): { keys: number[]; values: number[] } {
    const offset = pointer >>> 1;
    const n = this.pool[offset] & 0xffff;
    const keys: number[] = new Array(n);
    const values: number[] = new Array(n);
    for (let j = 0; j < n; j++) {
      keys[j] = this.keyOf(offset, j);
      values[j] = this.pool[this.valueSlot(offset, j)];
    }
    return { keys, values };
  }

  /**
   * Writes intervals back to range node `pointer` (adjacent equal answers merged first), in place
   * when they fit, else into a new node (or a direct one). Returns the node's pointer now.
   */
  private writeRanges(pointer: number, keys: number[], values: number[]): number {
    let n = 0;
    for (let i = 0; i < keys.length; i++) {
      if (n > 0 && values[n - 1] === values[i]) continue;
      keys[n] = keys[i];
      values[n] = values[i];
      n++;
    }
    keys.length = n;
    values.length = n;
    const offset = pointer >>> 1;
    const capacity = this.pool[offset] >>> 16;
    if (n > capacity) {
      const moved = this.newNode(keys, values, this.inheritedOf(pointer));
      this.release(pointer);
      return moved;
    }
    this.fillRanges(offset, capacity, keys, values);
    return pointer;
  }

  /** Makes the node's answer for `key` (a single key) `value`; returns the node's pointer now. */
  private setPoint(pointer: number, key: number, value: number): number {
    if ((pointer & 1) !== 0) {
      this.pool[(pointer >>> 1) + DIRECT_HEADER + key] = value;
      return pointer;
    }
    return this.mapRange(pointer, key, key, () => value);
  }

  /** Points the holder of a node at its new place. */
  private rehome(holder: Holder | undefined, pointer: number): void {
    if (!holder) this.root = pointer;
    else this.pool[this.answerSlot(holder.parent, holder.key)] = pointer;
  }

  private lengthOf(id: number): number {
    return id < 0 ? -1 : this.lengths[id];
  }

  // ---- the trie -----------------------------------------------------------------------------

  /** (Re)builds the trie from `ids`, in address order (covers first, subtrees laid out together). */
  private buildTrie(ids: number[] = []): void {
    this.list = new Int32Array(0);
    this.pool = new Int32Array(1024);
    this.poolUsed = 1; // offset 0 would make pointer 0, which means "no node"
    this.garbage = 0;
    this.nodes = 0;
    this.index = {
      hash: new Int32Array(hashCapacity(ids.length)).fill(-1),
      perLength: new Int32Array(MAX_LENGTH + 1),
    };
    this.root = this.newNode([0], [leaf(-1)], -1);
    this.sortByAddress(ids);
    for (const id of ids) {
      this.hashInsert(this.index, id);
      this.index.perLength[this.lengths[id]]++;
      this.trieInsert(id);
    }
  }

  private trieInsert(id: number): void {
    if ((this.root & 1) === 0 && this.count > DIRECT_ROOT_AT) {
      const { keys, values } = this.readRanges(this.root);
      const direct = this.newDirect(keys, values, -1);
      this.release(this.root);
      this.root = direct;
    }
    const network = this.networks;
    const offset = id * BYTES;
    const length = this.lengths[id];
    const level = levelOf(length);
    let holder: Holder | undefined;
    let pointer = this.root;
    for (let l = 0; l < level; l++) {
      const key = keyAt(network, offset, l);
      let child = this.pool[this.answerSlot(pointer, key)];
      if (child <= 0) {
        // A node for the longer prefixes under this key, inheriting its current answer.
        child = this.newNode([0], [child], leafId(child));
        const moved = this.setPoint(pointer, key, child);
        if (moved !== pointer) {
          this.rehome(holder, moved);
          pointer = moved;
        }
      }
      holder = { parent: pointer, key };
      pointer = child;
    }
    // The keys the prefix covers in its node: from its own bits to the end of its span.
    const lo = keyAt(network, offset, level);
    const hi = lo + 2 ** (16 * (level + 1) - length) - 1;
    const moved = this.takeRange(pointer, lo, hi, id, length);
    if (moved !== pointer) this.rehome(holder, moved);
  }

  /**
   * In node `pointer`, keys lo..hi answer `id` where they answered a shorter prefix, and children
   * there inheriting a shorter prefix inherit `id`. Returns the node's pointer now.
   */
  private takeRange(pointer: number, lo: number, hi: number, id: number, length: number): number {
    const take = (value: number): number => {
      if (value <= 0) return this.lengthOf(leafId(value)) < length ? leaf(id) : value;
      const inherited = this.inheritedOf(value);
      if (this.lengthOf(inherited) < length) this.replaceInherited(value, inherited, id);
      return value;
    };
    if ((pointer & 1) !== 0) {
      const base = (pointer >>> 1) + DIRECT_HEADER;
      for (let key = lo; key <= hi; key++) this.pool[base + key] = take(this.pool[base + key]);
      return pointer;
    }
    return this.mapRange(pointer, lo, hi, take);
  }

  /** Rewrites the answers of keys lo..hi of range node `pointer` with `map`, splitting at the ends. */
  private mapRange(pointer: number, lo: number, hi: number, map: (value: number) => number): number {
    const { keys, values } = this.readRanges(pointer);
    const newKeys: number[] = [];
    const newValues: number[] = [];
    for (let i = 0; i < keys.length; i++) {
      const start = keys[i];
      const end = i + 1 < keys.length ? keys[i + 1] - 1 : KEYS - 1;
      const value = values[i];
      if (end < lo || start > hi) {
        newKeys.push(start);
        newValues.push(value);
        continue;
      }
      if (start < lo) {
        newKeys.push(start);
        newValues.push(value);
      }
      newKeys.push(Math.max(start, lo));
      newValues.push(map(value));
      if (end > hi) {
        newKeys.push(hi + 1);
        newValues.push(value);
      }
    }
    return this.writeRanges(pointer, newKeys, newValues);
  }

  /**
   * In the subtree at `pointer`, which inherits `from`, every answer `from` becomes `to` (a prefix
   * added above it, or the cover of one removed). Only merges intervals, so no node moves.
   */
  private replaceInherited(pointer: number, from: number, to: number): void {
    this.pool[this.inheritedSlot(pointer)] = to;
    const leafFrom = leaf(from);
    const leafTo = leaf(to);
    const visit = (value: number): number => {
      if (value === leafFrom) return leafTo;
      if (value > 0 && this.inheritedOf(value) === from) this.replaceInherited(value, from, to);
      return value;
    };
    if ((pointer & 1) !== 0) {
      const base = (pointer >>> 1) + DIRECT_HEADER;
      for (let key = 0; key < KEYS; key++) this.pool[base + key] = visit(this.pool[base + key]);
      return;
    }
    const { keys, values } = this.readRanges(pointer);
    for (let i = 0; i < values.length; i++) values[i] = visit(values[i]);
    this.writeRanges(pointer, keys, values);
  }

  private trieDelete(index: TrieIndex, id: number): void {
    const network = this.networks;
    const offset = id * BYTES;
    const length = this.lengths[id];
    const level = levelOf(length);
    const path = this.path;
    path.length = 0;
    let pointer = this.root;
    for (let l = 0; l < level; l++) {
      const key = keyAt(network, offset, l);
      path.push({ parent: pointer, key });
      pointer = this.pool[this.answerSlot(pointer, key)];
    }
    // Every key the prefix answered now answers with its cover: a shorter prefix covering one
    // key of the span covers all of them.
    const cover = this.coveringPrefix(index, id, length);
    const lo = keyAt(network, offset, level);
    const hi = lo + 2 ** (16 * (level + 1) - length) - 1;
    const leafOfId = leaf(id);
    const give = (value: number): number => {
      if (value === leafOfId) return leaf(cover);
      if (value > 0 && this.inheritedOf(value) === id) this.replaceInherited(value, id, cover);
      return value;
    };
    if ((pointer & 1) !== 0) {
      const base = (pointer >>> 1) + DIRECT_HEADER;
      for (let key = lo; key <= hi; key++) this.pool[base + key] = give(this.pool[base + key]);
    } else {
      pointer = this.mapRange(pointer, lo, hi, give); // merging only shrinks: it stays in place
    }
    // Fold back nodes left uniform (one interval answering what they inherit), bottom up.
    for (let l = level; l > 0; l--) {
      if ((pointer & 1) !== 0) break;
      const at = pointer >>> 1;
      const inherited = leaf(this.inheritedOf(pointer));
      if ((this.pool[at] & 0xffff) !== 1 || this.pool[this.valueSlot(at, 0)] !== inherited) break;
      const holder = path[l - 1];
      this.release(pointer);
      const parent = holder.parent;
      if ((parent & 1) !== 0) {
        this.pool[(parent >>> 1) + DIRECT_HEADER + holder.key] = inherited;
        break;
      }
      this.mapRange(parent, holder.key, holder.key, () => inherited);
      pointer = parent;
    }
  }
}
