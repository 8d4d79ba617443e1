/** Maps a JSON path inside a parsed YAML document back to a line and column in the file. */
import { type Document, isMap, isScalar, isSeq, type LineCounter, type Node, type Pair } from "yaml";
import type { SourceLocation } from "./model.js";

export type PathSegment = string | number;

/** Splits an Ajv instancePath ("/topology/nodes/h1") into segments, numbers for list indexes. */
export function splitPointer(pointer: string): PathSegment[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

export class SourceMap {
  constructor(
    private readonly document: Document,
    private readonly lines: LineCounter,
    readonly file: string,
  ) {}

  /** The location of an offset in the text. */
  at(offset: number): SourceLocation {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, column: col };
  }

  /** The YAML node at `path`, or the deepest existing ancestor. */
  node(path: PathSegment[]): Node | undefined {
    let current: unknown = this.document.contents;
    for (const segment of path) {
      const next = this.child(current, segment);
      if (next === undefined) break;
      current = next;
    }
    return current as Node | undefined;
  }

  /** Location of the value at `path` (or of its deepest existing ancestor). */
  value(path: PathSegment[]): SourceLocation {
    const node = this.node(path);
    return this.at(node?.range?.[0] ?? 0);
  }

  /** Location of the key `key` inside the map at `path` (for unknown keys). */
  key(path: PathSegment[], key: string): SourceLocation {
    const map = this.node(path);
    if (isMap(map)) {
      const pair = map.items.find((p: Pair) => isScalar(p.key) && String(p.key.value) === key);
      const keyNode = pair?.key as Node | undefined;
      if (keyNode?.range) return this.at(keyNode.range[0]);
    }
    return this.value(path);
  }

  private child(node: unknown, segment: PathSegment): unknown {
    if (isMap(node)) {
      const pair = node.items.find((p: Pair) => isScalar(p.key) && String(p.key.value) === String(segment));
      return pair?.value ?? undefined;
    }
    if (isSeq(node) && typeof segment === "number") return node.items[segment];
    return undefined;
  }
}
