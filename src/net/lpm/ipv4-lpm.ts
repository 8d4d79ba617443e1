/**
 * Longest prefix match over IPv4 prefixes: the forwarding-table (FIB) half of a routing table.
 *
 * A set of prefixes, each with a small integer id; `lookup(address)` returns the id of the longest
 * prefix that contains the address (RFC 1812 §5.2.4.3: "the route with the longest prefix wins").
 * The routing table above it maps ids to routes.
 *
 * ## The structure, and why
 *
 * Two representations, chosen by size, because the emulator needs both extremes: 10,000-node
 * topologies where a host holds 3 routes in a few hundred bytes, and an ISP core router that holds
 * the full Internet table (about 1,000,000 prefixes) and still forwards at ≥ 10 M lookups/s.
 *
 * - **Short list** (up to `listLimit` prefixes, 32 by default): the prefixes sorted longest first
 *   in typed arrays, scanned until the first match. A host's table (connected, local, default) costs
 *   well under 1 KB and a lookup is a handful of compares.
 *
 * - **Multibit trie with stride 8** ("controlled prefix expansion", Srinivasan & Varghese 1999),
 *   above that size. Each node is 256 slots of one `Int32Array`, indexed by one octet of the
 *   address, so a lookup is at most four array reads (one per octet) and no allocation:
 *     - slot > 0: a child node (its offset in the array, a multiple of 256);
 *     - slot < 0: a leaf, `~id` of the longest prefix covering the slot;
 *     - slot = 0: no prefix covers it.
 *   A prefix of length `len` lives in the node of level ⌈len/8⌉-1 and is *expanded* over the
 *   2^(8·level+8-len) slots it covers there (a /22 fills 4 slots of a third-octet node). The answers
 *   are *leaf-pushed*: a slot that points to a child holds no answer of its own, the child's slots
 *   carry it, so the lookup never backtracks. DIR-24-8 (Gupta et al., 1998) is the same idea with
 *   a first stride of 24 bits; its 64 MB first table is allocated even for a 3-route table, which
 *   is why we start from 8. Nodes are allocated lazily, only where a prefix longer than the level
 *   exists, and freed when their last prefix goes, so memory follows the table: a full table costs
 *   about one node per /16 that holds more-specific routes.
 *
 * Incremental updates keep the expansion exact. Each child node remembers the prefix it
 * `inherits` from the slot above it (the answer the slot would give without the child). Adding a
 * prefix overwrites the slots in its range whose current answer is shorter, and pushes itself into
 * children whose inherited prefix is shorter. Removing it hands its slots to the longest remaining
 * prefix that covers it (found through the exact-match index, at most 32 hash probes), which is the
 * right answer for every one of those slots because any shorter prefix that covers one slot of the
 * range covers the whole range.
 *
 * Poptrie (Asai & Ohara, SIGCOMM 2015) and Tree Bitmap (Eatherton et al., 2004) compress nodes with
 * bitmaps and population counts to fit the table in cache; JavaScript has no 64-bit popcount, and
 * the uncompressed stride-8 trie already meets the lookup target, so we keep the simpler layout.
 */

/** The prefix count up to which the set stays a linearly scanned list. */
export const LPM_LIST_LIMIT = 32;

const SLOTS = 256;
const MAX_LENGTH = 32;
/** Shared by every set in list mode, so a small table pays nothing for the trie it does not use. */
const NO_SLOTS = new Int32Array(0);

export interface Ipv4LpmOptions {
  /**
   * Largest prefix count kept as a short list before switching to the trie (default 32). The set
   * returns to the list when it shrinks to a quarter of this (hysteresis, so a table that hovers at
   * the limit does not rebuild on every change). 0 keeps the trie at all sizes.
   */
  listLimit?: number;
}

/** The mask for a prefix length as a signed 32-bit integer (length 0 gives 0). */
function maskOf(length: number): number {
  return length === 0 ? 0 : -1 << (MAX_LENGTH - length);
}

/** Hash of a prefix for the exact-match table (a multiply-xorshift mix, as in MurmurHash3's finalizer). */
function hashOf(network: number, length: number): number {
  let h = Math.imul(network ^ Math.imul(length + 1, 0x9e3779b9), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The smallest power of two (16 at least) that holds `count` ids at most half full. */
function hashCapacity(count: number): number {
  let capacity = 16;
  while (capacity < 2 * count) capacity *= 2;
  return capacity;
}

/** The state only a trie needs; absent while the set is a short list. */
interface TrieIndex {
  /**
   * Exact match: an open-addressing hash table (linear probing, at most half full) of prefix ids,
   * -1 for an empty cell. The keys are not stored: a cell's key is its id's network and length.
   */
  hash: Int32Array;
  /** How many prefixes of each length exist, to skip empty lengths when searching a cover. */
  perLength: Int32Array;
  /** Per node: the id of the prefix it inherits from its parent's slot, -1 for none. */
  inherited: Int32Array;
  /** Per node: prefixes stored in it plus child nodes; a non-root node at 0 is freed. */
  references: Int32Array;
  nodesUsed: number;
  freeNodes: number[];
  /** Node offsets along the walk of the current delete. */
  path: Int32Array;
}

export class Ipv4Lpm {
  private readonly listLimit: number;

  // Per prefix id (stable for the life of the prefix, in both representations).
  private networks = new Uint32Array(4);
  private lengths = new Uint8Array(4);
  private idCount = 0;
  private readonly freeIds: number[] = [];
  private count = 0;

  /** List mode: (network, mask, id) triples, longest prefix first. */
  private list = new Int32Array(0);

  /** Trie mode: node k occupies slots[k*256 .. k*256+255]; node 0 is the root. Empty in list mode. */
  private slots = NO_SLOTS;
  private index: TrieIndex | undefined;

  constructor(options: Ipv4LpmOptions = {}) {
    this.listLimit = Math.max(0, Math.floor(options.listLimit ?? LPM_LIST_LIMIT));
    if (this.listLimit === 0) this.buildTrie();
  }

  /** Number of prefixes in the set. */
  get size(): number {
    return this.count;
  }

  /** Trie nodes in use (0 while the set is a short list). For tests and memory accounting. */
  get nodeCount(): number {
    return this.index ? this.index.nodesUsed - this.index.freeNodes.length : 0;
  }

  /** True while the set is held as a trie rather than a short list. */
  get isTrie(): boolean {
    return this.index !== undefined;
  }

  /** The network (uint32) of prefix `id`. */
  network(id: number): number {
    return this.networks[id];
  }

  /** The length of prefix `id`. */
  prefixLength(id: number): number {
    return this.lengths[id];
  }

  /** The id of exactly `network/length`, or -1. `network` must have its host bits clear. */
  find(network: number, length: number): number {
    network >>>= 0;
    if (this.index) {
      const hash = this.index.hash;
      const mask = hash.length - 1;
      for (let cell = hashOf(network, length) & mask; ; cell = (cell + 1) & mask) {
        const id = hash[cell];
        if (id < 0 || (this.networks[id] === network && this.lengths[id] === length)) return id;
      }
    }
    const list = this.list;
    const mask = maskOf(length);
    for (let i = 0; i < 3 * this.count; i += 3) {
      if (list[i] === (network | 0) && list[i + 1] === mask) return list[i + 2];
    }
    return -1;
  }

  /**
   * The id of the longest prefix containing `address` (a uint32), or -1 when none does.
   * Allocation-free: at most four typed-array reads in the trie.
   */
  lookup(address: number): number {
    const slots = this.slots;
    if (slots.length > 0) {
      let v = slots[address >>> 24];
      if (v > 0) {
        v = slots[v + ((address >>> 16) & 0xff)];
        if (v > 0) {
          v = slots[v + ((address >>> 8) & 0xff)];
          if (v > 0) v = slots[v + (address & 0xff)];
        }
      }
      return ~v; // a leaf holds ~id; an empty slot (0) gives ~0 = -1
    }
    const list = this.list;
    for (let i = 0; i < 3 * this.count; i += 3) {
      if (((address ^ list[i]) & list[i + 1]) === 0) return list[i + 2];
    }
    return -1;
  }

  /**
   * Adds `network/length` (host bits must be clear) and returns its id; returns the existing id
   * when the prefix is already present.
   */
  insert(network: number, length: number): number {
    network >>>= 0;
    if (!Number.isInteger(length) || length < 0 || length > MAX_LENGTH) {
      throw new RangeError(`IPv4 prefix length ${length} is outside 0..32`);
    }
    if ((network & ~maskOf(length)) !== 0) {
      throw new RangeError(`IPv4 prefix ${network}/${length} has host bits set`);
    }
    const existing = this.find(network, length);
    if (existing >= 0) return existing;
    const id = this.allocateId();
    this.networks[id] = network;
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

  /** Removes prefix `id` (as returned by `insert`/`find`). Its id may be reused by a later insert. */
  delete(id: number): void {
    if (id < 0 || id >= this.idCount) return;
    const length = this.lengths[id];
    const network = this.networks[id];
    if (this.find(network, length) !== id) return;
    this.count--;
    if (this.index) {
      this.hashDelete(this.index, id);
      this.index.perLength[length]--;
      this.trieDelete(this.index, id);
      if (this.listLimit > 0 && this.count <= this.listLimit >>> 2) this.buildList();
      else if (this.wasteful(this.index)) this.buildTrie(this.allIds());
    } else {
      this.listDelete(id);
    }
    this.freeIds.push(id);
  }

  /** Removes `network/length`; false when it was not present. */
  remove(network: number, length: number): boolean {
    const id = this.find(network >>> 0, length);
    if (id < 0) return false;
    this.delete(id);
    return true;
  }

  /** All ids in prefix order: by network address, a shorter prefix before the longer ones it covers. */
  orderedIds(): Int32Array {
    // network * 64 + length is below 2^38, exact in a double, and sorts in the order wanted.
    const keys = new Float64Array(this.count);
    let n = 0;
    this.forEachId((id) => {
      keys[n++] = this.networks[id] * 64 + this.lengths[id];
    });
    keys.sort();
    const ids = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const length = keys[i] % 64;
      ids[i] = this.find((keys[i] - length) / 64, length);
    }
    return ids;
  }

  /** Removes every prefix. */
  clear(): void {
    this.count = 0;
    this.idCount = 0;
    this.freeIds.length = 0;
    this.networks = new Uint32Array(4);
    this.lengths = new Uint8Array(4);
    this.list = new Int32Array(0);
    this.slots = NO_SLOTS;
    this.index = undefined;
    if (this.listLimit === 0) this.buildTrie();
  }

  /**
   * Bytes held by the typed arrays of this structure (everything but a few object headers).
   */
  memoryBytes(): number {
    let bytes = this.networks.byteLength + this.lengths.byteLength + this.list.byteLength;
    if (this.index) {
      bytes += this.slots.byteLength + this.index.inherited.byteLength + this.index.references.byteLength;
      bytes += this.index.perLength.byteLength + this.index.path.byteLength + this.index.hash.byteLength;
    }
    return bytes;
  }

  // ---- ids ----------------------------------------------------------------------------------

  private allocateId(): number {
    const reused = this.freeIds.pop();
    if (reused !== undefined) return reused;
    const id = this.idCount++;
    if (id >= this.networks.length) {
      const capacity = Math.ceil(this.networks.length * 1.5) + 2;
      const networks = new Uint32Array(capacity);
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
    this.forEachId((id) => ids.push(id));
    return ids;
  }

  /**
   * True when a table that shrank holds its arrays mostly empty (under a quarter of the node pool
   * or an eighth of the hash in use): then it is rebuilt at its new size, so memory follows the
   * table down as well as up. Amortized, since it takes that many deletions to get there.
   */
  private wasteful(index: TrieIndex): boolean {
    const nodes = index.nodesUsed - index.freeNodes.length;
    return (
      (index.inherited.length > 64 && 4 * nodes < index.inherited.length) ||
      (index.hash.length > 64 && 8 * this.count < index.hash.length)
    );
  }

  /** Calls `visit(id)` for every prefix in the set. */
  private forEachId(visit: (id: number) => void): void {
    if (this.index) {
      const hash = this.index.hash;
      for (let cell = 0; cell < hash.length; cell++) if (hash[cell] >= 0) visit(hash[cell]);
    } else {
      for (let i = 2; i < 3 * this.count; i += 3) visit(this.list[i]);
    }
  }

  // ---- the short list -----------------------------------------------------------------------

  /** Inserts `id` (already counted) into the list, after every prefix at least as long. */
  private listInsert(id: number): void {
    const used = 3 * (this.count - 1);
    if (this.list.length < used + 3) {
      // Sized to the table plus a little room, so a 3-route host pays for about 3 routes.
      const grown = new Int32Array(3 * Math.min(this.listLimit, this.count + 2));
      grown.set(this.list.subarray(0, used));
      this.list = grown;
    }
    const length = this.lengths[id];
    let at = used;
    while (at > 0 && this.lengths[this.list[at - 1]] < length) {
      this.list.copyWithin(at, at - 3, at);
      at -= 3;
    }
    this.list[at] = this.networks[id] | 0;
    this.list[at + 1] = maskOf(length);
    this.list[at + 2] = id;
  }

  private listDelete(id: number): void {
    const used = 3 * (this.count + 1);
    for (let i = 0; i < used; i += 3) {
      if (this.list[i + 2] !== id) continue;
      this.list.copyWithin(i, i + 3, used);
      return;
    }
  }

  /** Drops the trie and lays the prefixes out as the list, longest first. */
  private buildList(): void {
    const ids = this.allIds();
    this.index = undefined;
    this.slots = NO_SLOTS;
    this.list = new Int32Array(0);
    const count = this.count;
    for (let i = 0; i < ids.length; i++) {
      this.count = i + 1;
      this.listInsert(ids[i]);
    }
    this.count = count;
  }

  // ---- the trie -----------------------------------------------------------------------------

  /** The ids currently in the list (the first `listed` entries). */
  private listedIds(listed: number): number[] {
    const ids: number[] = [];
    for (let i = 2; i < 3 * listed; i += 3) ids.push(this.list[i]);
    return ids;
  }

  /**
   * (Re)builds the trie from `ids`, inserting shortest first so that nothing needs pushing down.
   * Used to leave the list, and to give memory back after a large table shrank.
   */
  private buildTrie(ids: number[] = []): void {
    this.list = new Int32Array(0);
    this.slots = new Int32Array(SLOTS * 4);
    const index: TrieIndex = {
      hash: new Int32Array(hashCapacity(ids.length)).fill(-1),
      perLength: new Int32Array(MAX_LENGTH + 1),
      inherited: new Int32Array(4),
      references: new Int32Array(4),
      nodesUsed: 1, // the root
      freeNodes: [],
      path: new Int32Array(4),
    };
    index.inherited[0] = -1;
    this.index = index;
    ids.sort((a, b) => this.lengths[a] - this.lengths[b]);
    for (const id of ids) {
      this.hashInsert(index, id);
      index.perLength[this.lengths[id]]++;
      this.trieInsert(id);
    }
  }

  /** Adds `id` to the exact-match hash, doubling it first if that would make it over half full. */
  private hashInsert(index: TrieIndex, id: number): void {
    if (2 * this.count > index.hash.length) {
      const old = index.hash;
      index.hash = new Int32Array(2 * old.length).fill(-1);
      for (let cell = 0; cell < old.length; cell++) if (old[cell] >= 0) this.hashInsert(index, old[cell]);
    }
    const hash = index.hash;
    const mask = hash.length - 1;
    let cell = hashOf(this.networks[id], this.lengths[id]) & mask;
    while (hash[cell] >= 0) cell = (cell + 1) & mask;
    hash[cell] = id;
  }

  /**
   * Removes `id` from the exact-match hash by backward-shift deletion (Knuth, TAOCP vol. 3, 6.4,
   * Algorithm R): later entries of the probe run move up, so no tombstones accumulate.
   */
  private hashDelete(index: TrieIndex, id: number): void {
    const hash = index.hash;
    const mask = hash.length - 1;
    let hole = hashOf(this.networks[id], this.lengths[id]) & mask;
    while (hash[hole] !== id) hole = (hole + 1) & mask;
    hash[hole] = -1;
    for (let cell = (hole + 1) & mask; hash[cell] >= 0; cell = (cell + 1) & mask) {
      const other = hash[cell];
      const home = hashOf(this.networks[other], this.lengths[other]) & mask;
      // `other` may fill the hole unless its home lies cyclically in (hole, cell].
      const homeInRun = hole <= cell ? hole < home && home <= cell : hole < home || home <= cell;
      if (homeInRun) continue;
      hash[hole] = other;
      hash[cell] = -1;
      hole = cell;
    }
  }

  /** A fresh node whose 256 slots all hold `fill` (a leaf or empty value inherited from above). */
  private allocateNode(index: TrieIndex, fill: number): number {
    let node = index.freeNodes.pop();
    if (node === undefined) {
      node = index.nodesUsed++;
      if (node >= index.inherited.length) {
        const capacity = Math.ceil(index.inherited.length * 1.5) + 4;
        const slots = new Int32Array(capacity * SLOTS);
        slots.set(this.slots);
        this.slots = slots;
        const inherited = new Int32Array(capacity);
        inherited.set(index.inherited);
        index.inherited = inherited;
        const references = new Int32Array(capacity);
        references.set(index.references);
        index.references = references;
      }
    }
    const base = node * SLOTS;
    this.slots.fill(fill, base, base + SLOTS);
    index.inherited[node] = ~fill;
    index.references[node] = 0;
    return base;
  }

  /** The level (0..3) of the node that holds a prefix of `length`: lengths 0-8, 9-16, 17-24, 25-32. */
  private static levelOf(length: number): number {
    return length <= 8 ? 0 : (length - 1) >>> 3;
  }

  /** Length of prefix `id`, -1 for "no prefix" (so that any real prefix is longer). */
  private lengthOrNone(id: number): number {
    return id < 0 ? -1 : this.lengths[id];
  }

  /**
   * The id of the longest prefix strictly shorter than `length` that covers `network`, or -1:
   * the answer that takes over when `network/length` is withdrawn. At most 32 hash probes.
   */
  private coveringPrefix(index: TrieIndex, network: number, length: number): number {
    for (let l = length - 1; l >= 0; l--) {
      if (index.perLength[l] === 0) continue;
      const id = this.find((network & maskOf(l)) >>> 0, l);
      if (id >= 0) return id;
    }
    return -1;
  }

  private trieInsert(id: number): void {
    const index = this.index!;
    const network = this.networks[id];
    const length = this.lengths[id];
    const level = Ipv4Lpm.levelOf(length);
    let base = 0;
    for (let l = 0; l < level; l++) {
      const slot = base + ((network >>> (24 - 8 * l)) & 0xff);
      let v = this.slots[slot];
      if (v <= 0) {
        v = this.allocateNode(index, v); // may grow (replace) this.slots
        this.slots[slot] = v;
        index.references[base >>> 8]++;
      }
      base = v;
    }
    index.references[base >>> 8]++;
    const span = 1 << (8 * level + 8 - length);
    const first = base + ((network >>> (24 - 8 * level)) & 0xff);
    const slots = this.slots;
    for (let slot = first; slot < first + span; slot++) {
      const v = slots[slot];
      if (v > 0) {
        // A child: its slots carry the answer; push the new prefix down if it beats the inherited one.
        const old = index.inherited[v >>> 8];
        if (this.lengthOrNone(old) < length) this.replaceInherited(index, v, old, id);
      } else if (this.lengthOrNone(~v) < length) {
        slots[slot] = ~id;
      }
    }
  }

  /**
   * In the subtree at node offset `base`, which inherits `from`, makes every slot that answered
   * `from` answer `to` instead (leaf pushing of an added prefix, or of the cover of a removed one).
   * Slots owned by longer prefixes stored in the subtree are left alone.
   */
  private replaceInherited(index: TrieIndex, base: number, from: number, to: number): void {
    const slots = this.slots;
    index.inherited[base >>> 8] = to;
    const leafFrom = ~from;
    const leafTo = ~to;
    for (let slot = base; slot < base + SLOTS; slot++) {
      const v = slots[slot];
      if (v === leafFrom) slots[slot] = leafTo;
      else if (v > 0 && index.inherited[v >>> 8] === from) this.replaceInherited(index, v, from, to);
    }
  }

  private trieDelete(index: TrieIndex, id: number): void {
    const network = this.networks[id];
    const length = this.lengths[id];
    const level = Ipv4Lpm.levelOf(length);
    const path = index.path;
    let base = 0;
    for (let l = 0; l < level; l++) {
      path[l] = base;
      base = this.slots[base + ((network >>> (24 - 8 * l)) & 0xff)];
    }
    // Every slot the prefix answered for now answers with its cover: any prefix shorter than it
    // that covers one of its slots covers all of them.
    const cover = this.coveringPrefix(index, network, length);
    const span = 1 << (8 * level + 8 - length);
    const first = base + ((network >>> (24 - 8 * level)) & 0xff);
    const slots = this.slots;
    const leafId = ~id;
    for (let slot = first; slot < first + span; slot++) {
      const v = slots[slot];
      if (v === leafId) slots[slot] = ~cover;
      else if (v > 0 && index.inherited[v >>> 8] === id) this.replaceInherited(index, v, id, cover);
    }
    // Free the nodes left with no prefix and no child, bottom up: the parent slot takes back the
    // answer the node inherited (all its slots hold exactly that answer by now).
    index.references[base >>> 8]--;
    for (let l = level; l > 0; l--) {
      const node = base >>> 8;
      if (index.references[node] !== 0) break;
      const parent = path[l - 1];
      slots[parent + ((network >>> (24 - 8 * (l - 1))) & 0xff)] = ~index.inherited[node];
      index.freeNodes.push(node);
      index.references[parent >>> 8]--;
      base = parent;
    }
  }
}
