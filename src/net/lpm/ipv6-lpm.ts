/**
 * Longest prefix match over IPv6 prefixes (128-bit keys): the IPv6 counterpart of `Ipv4Lpm`, with
 * the same interface (prefix ids, `lookup` returns the id of the longest match or -1).
 *
 * This one is deliberately the simplest correct structure: a binary (one bit per level) trie whose
 * nodes live in typed arrays. A lookup walks at most 128 nodes and allocates nothing; a prefix of
 * length n costs at most n nodes (12 bytes each), shared with every prefix it has in common.
 * IPv6 tables in the emulator are small (a few connected /64s and a default route); when a full
 * IPv6 table (about 200,000 prefixes, mostly /32-/48) needs speed, the IPv4 stride-8 design
 * carries over with 16 levels and a wider exact-match key.
 */

const BITS = 128;
const BYTES = 16;

export class Ipv6Lpm {
  // Nodes: node 0 is the root (depth 0, the /0 prefix). A child index of 0 means "no child",
  // since the root is nobody's child.
  private zero = new Int32Array(8);
  private one = new Int32Array(8);
  private parent = new Int32Array(8);
  /** The prefix id stored at a node, -1 for none. */
  private entry = new Int32Array(8).fill(-1);
  private nodesUsed = 1;
  private readonly freeNodes: number[] = [];

  // Per prefix id.
  private networks = new Uint8Array(4 * BYTES);
  private lengths = new Uint8Array(4);
  private nodeOfId = new Int32Array(4);
  private idCount = 0;
  private readonly freeIds: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Trie nodes in use, the root included. */
  get nodeCount(): number {
    return this.nodesUsed - this.freeNodes.length;
  }

  /** The 16 network bytes of prefix `id` (a view: copy it before keeping it). */
  network(id: number): Uint8Array {
    return this.networks.subarray(id * BYTES, id * BYTES + BYTES);
  }

  prefixLength(id: number): number {
    return this.lengths[id];
  }

  /** The id of the longest prefix containing the 16-byte address at `bytes[offset]`, or -1. */
  lookup(bytes: Uint8Array, offset = 0): number {
    const zero = this.zero;
    const one = this.one;
    const entry = this.entry;
    let best = entry[0];
    let node = 0;
    for (let depth = 0; depth < BITS; depth++) {
      const bit = (bytes[offset + (depth >>> 3)] >>> (7 - (depth & 7))) & 1;
      node = bit === 0 ? zero[node] : one[node];
      if (node === 0) break;
      if (entry[node] >= 0) best = entry[node];
    }
    return best;
  }

  /** The id of exactly `network/length`, or -1. */
  find(network: Uint8Array, length: number): number {
    const node = this.walk(network, length, false);
    return node < 0 ? -1 : this.entry[node];
  }

  /** Adds `network/length` (host bits must be clear); returns its id, or the existing one. */
  insert(network: Uint8Array, length: number): number {
    if (!Number.isInteger(length) || length < 0 || length > BITS) {
      throw new RangeError(`IPv6 prefix length ${length} is outside 0..128`);
    }
    if (network.length !== BYTES) throw new RangeError("an IPv6 network is 16 bytes");
    for (let bit = length; bit < BITS; bit++) {
      if ((network[bit >>> 3] >>> (7 - (bit & 7))) & 1) {
        throw new RangeError(`IPv6 prefix /${length} has host bits set`);
      }
    }
    const node = this.walk(network, length, true);
    if (this.entry[node] >= 0) return this.entry[node];
    const id = this.allocateId();
    this.networks.set(network, id * BYTES);
    this.lengths[id] = length;
    this.nodeOfId[id] = node;
    this.entry[node] = id;
    this.count++;
    return id;
  }

  /** Removes prefix `id`; nodes left with no prefix and no child are freed. */
  delete(id: number): void {
    let node = this.nodeOfId[id];
    if (id >= this.idCount || this.entry[node] !== id) return;
    this.entry[node] = -1;
    this.count--;
    this.freeIds.push(id);
    while (node !== 0 && this.entry[node] < 0 && this.zero[node] === 0 && this.one[node] === 0) {
      const up = this.parent[node];
      if (this.zero[up] === node) this.zero[up] = 0;
      else this.one[up] = 0;
      this.freeNodes.push(node);
      node = up;
    }
  }

  remove(network: Uint8Array, length: number): boolean {
    const id = this.find(network, length);
    if (id < 0) return false;
    this.delete(id);
    return true;
  }

  /** All ids in prefix order (the trie's preorder: address bits, then shorter before longer). */
  orderedIds(): Int32Array {
    const ids = new Int32Array(this.count);
    let n = 0;
    const stack = [0];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (this.entry[node] >= 0) ids[n++] = this.entry[node];
      if (this.one[node] !== 0) stack.push(this.one[node]);
      if (this.zero[node] !== 0) stack.push(this.zero[node]);
    }
    return ids;
  }

  clear(): void {
    this.zero = new Int32Array(8);
    this.one = new Int32Array(8);
    this.parent = new Int32Array(8);
    this.entry = new Int32Array(8).fill(-1);
    this.nodesUsed = 1;
    this.freeNodes.length = 0;
    this.networks = new Uint8Array(4 * BYTES);
    this.lengths = new Uint8Array(4);
    this.nodeOfId = new Int32Array(4);
    this.idCount = 0;
    this.freeIds.length = 0;
    this.count = 0;
  }

  /** Bytes held by the typed arrays. */
  memoryBytes(): number {
    return (
      this.zero.byteLength +
      this.one.byteLength +
      this.parent.byteLength +
      this.entry.byteLength +
      this.networks.byteLength +
      this.lengths.byteLength +
      this.nodeOfId.byteLength
    );
  }

  /** The node of `network/length`, created on the way when `create`; -1 when absent. */
  private walk(network: Uint8Array, length: number, create: boolean): number {
    let node = 0;
    for (let depth = 0; depth < length; depth++) {
      const bit = (network[depth >>> 3] >>> (7 - (depth & 7))) & 1;
      let next = bit === 0 ? this.zero[node] : this.one[node];
      if (next === 0) {
        if (!create) return -1;
        next = this.allocateNode(node);
        if (bit === 0) this.zero[node] = next;
        else this.one[node] = next;
      }
      node = next;
    }
    return node;
  }

  private allocateNode(parent: number): number {
    let node = this.freeNodes.pop();
    if (node === undefined) {
      node = this.nodesUsed++;
      if (node >= this.zero.length) {
        const capacity = Math.ceil(this.zero.length * 1.5) + 4;
        this.zero = grow(this.zero, capacity, 0);
        this.one = grow(this.one, capacity, 0);
        this.parent = grow(this.parent, capacity, 0);
        this.entry = grow(this.entry, capacity, -1);
      }
    }
    this.zero[node] = 0;
    this.one[node] = 0;
    this.parent[node] = parent;
    this.entry[node] = -1;
    return node;
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
      this.nodeOfId = grow(this.nodeOfId, capacity, 0);
    }
    return id;
  }
}

function grow(array: Int32Array, capacity: number, fill: number): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(capacity);
  if (fill !== 0) bigger.fill(fill);
  bigger.set(array);
  return bigger;
}
