/**
 * The parser of packetdrill's `.pkt` scripts: tokens (./pkt-lexer.ts) to a typed `Script`
 * (./pkt-ast.ts). The grammar is packetdrill's (google/packetdrill `parser.y`, with the nplab
 * additions the FreeBSD suite uses: `!` absolute sequence numbers, `/udp(...)` encapsulation,
 * `md5` options and `#ifdef` blocks):
 *
 *     script   := (option | directive | event)*
 *     option   := --name[=value]
 *     event    := time? (packet | syscall | command | code)
 *     time     := '*' | ['+'] seconds [('~' | '...') ['+'] seconds]
 *     packet   := ('<' | '>') ['[' ecn ']'] ['(' ipfield {',' ipfield} ')'] (tcp | icmp)
 *     tcp      := flags seq ['!'] ['ack' n] ['win' n] ['urg' n] ['<' options '>'] ['/udp(' n '>' n ')']
 *     seq      := n ':' n '(' n ')' | '...' '(' n ')'
 *     icmp     := 'icmp' type [code] ['mtu' n] '[' [flags] seq ']'
 *     syscall  := name '(' [expr {',' expr}] ')' '=' expr [ERRNO] ['(' note ')']
 *     expr     := term {'|' term};  term := n | -n | NAME | NAME '(' args ')' | "str" | '...' | '[' exprs ']' | '{' fields '}'
 *
 * `parsePkt` never throws: a script it cannot read comes back as a `PktSyntaxError` with the line
 * and column.
 */
import type {
  Condition,
  EventTime,
  Expr,
  IcmpPacketSpec,
  IpFields,
  OptionSpec,
  PacketEvent,
  RangeEnd,
  Script,
  ScriptEvent,
  SeqSpec,
  SyscallEvent,
  TcpPacketSpec,
} from "./pkt-ast.js";
import { PktSyntaxError, type Token, tokenize } from "./pkt-lexer.js";

/** Thrown inside the parser only; `parsePkt` turns it into the returned `PktSyntaxError`. */
class Failure {
  constructor(readonly error: PktSyntaxError) {}
}

const FLAG_LETTERS = /^[FSRPUEWNA]+$/;
const UINT32_MAX = 0xffff_ffff;

/** Parses a whole `.pkt` script. */
export function parsePkt(source: string): Script | PktSyntaxError {
  const tokens = tokenize(source);
  if (tokens instanceof PktSyntaxError) return tokens;
  try {
    return new Parser(source, tokens).script();
  } catch (caught) {
    if (caught instanceof Failure) return caught.error;
    throw caught;
  }
}

/** Seconds as written (`0.10`, `12`) to nanoseconds, exactly (no floating-point rounding). */
export function secondsToNanoseconds(text: string): number | undefined {
  const match = /^(\d+)(?:\.(\d{1,9}))?$/.exec(text);
  if (!match) return undefined;
  const whole = Number(match[1]);
  const fraction = Number((match[2] ?? "").padEnd(9, "0"));
  const ns = whole * 1_000_000_000 + fraction;
  return Number.isSafeInteger(ns) ? ns : undefined;
}

class Parser {
  private pos = 0;
  private readonly conditions: Condition[] = [];
  /** Line of each open `#if...`, for the error when one is never closed. */
  private readonly conditionLines: number[] = [];

  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
  ) {}

  script(): Script {
    const script: Script = { options: [], events: [] };
    for (;;) {
      const token = this.peek();
      if (token.kind === "eof") break;
      if (token.kind === "newline") {
        this.pos++;
        continue;
      }
      if (token.kind === "option") {
        this.pos++;
        const eq = token.value.indexOf("=");
        script.options.push({
          name: eq < 0 ? token.value : token.value.slice(0, eq),
          value: eq < 0 ? undefined : token.value.slice(eq + 1),
          line: token.line,
        });
        this.endOfLine();
        continue;
      }
      if (token.kind === "directive") {
        this.pos++;
        this.directive(token);
        this.endOfLine();
        continue;
      }
      script.events.push(this.event());
    }
    if (this.conditions.length > 0)
      this.fail(`#if block opened on line ${this.conditionLines.at(-1)} is never closed`, this.peek());
    return script;
  }

  // --- Preprocessor ----------------------------------------------------------------------------

  private directive(token: Token): void {
    const [keyword, ...rest] = token.value.split(/\s+/);
    const name = rest.join(" ");
    switch (keyword) {
      case "ifdef":
      case "ifndef":
        if (!/^[A-Za-z_]\w*$/.test(name)) this.fail(`#${keyword} needs one name`, token);
        this.conditions.push({ name, negated: keyword === "ifndef" });
        this.conditionLines.push(token.line);
        return;
      case "else": {
        const top = this.conditions.pop();
        if (!top) this.fail("#else without #ifdef", token);
        this.conditions.push({ name: top.name, negated: !top.negated });
        return;
      }
      case "endif":
        if (!this.conditions.pop()) this.fail("#endif without #ifdef", token);
        this.conditionLines.pop();
        return;
      default:
        this.fail(`unsupported preprocessor directive #${keyword}`, token);
    }
  }

  // --- Events ----------------------------------------------------------------------------------

  private event(): ScriptEvent {
    const first = this.peek();
    const time = this.time();
    const body = this.peek();
    const base = {
      line: first.line,
      source: this.lineText(first),
      time,
      conditions: this.conditions.map((c) => ({ ...c })),
    };
    let event: ScriptEvent;
    if (body.kind === "punct" && (body.value === "<" || body.value === ">")) {
      event = { ...base, ...this.packet() };
    } else if (body.kind === "word" && this.peek(1).kind === "punct" && this.peek(1).value === "(") {
      event = { ...base, ...this.syscall() };
    } else if (body.kind === "command") {
      this.pos++;
      event = { ...base, type: "command", command: body.value };
    } else if (body.kind === "code") {
      this.pos++;
      event = { ...base, type: "code", code: body.value };
    } else {
      this.fail(`expected a packet, system call, \`command\` or %{ code }%, found ${describe(body)}`, body);
    }
    if (time.kind === "none" && event.type !== "command" && event.type !== "code")
      this.fail("this event needs a time (e.g. +0.00)", first);
    if (time.kind === "any" && !(event.type === "packet" && event.direction === "outbound"))
      this.fail("the time * is only for outbound packets", first);
    this.endOfLine();
    return event;
  }

  private time(): EventTime {
    const token = this.peek();
    if (this.isPunct(token, "*")) {
      this.pos++;
      return { kind: "any" };
    }
    let relative = false;
    if (this.isPunct(token, "+")) {
      this.pos++;
      relative = true;
    } else if (token.kind !== "number") return { kind: "none" };
    const at = this.seconds();
    let end: RangeEnd | undefined;
    const next = this.peek();
    if (this.isPunct(next, "~") || this.isPunct(next, "...")) {
      this.pos++;
      const endRelative = this.acceptPunct("+");
      end = { kind: next.value === "~" ? "range" : "blocking", relative: endRelative, time: this.seconds() };
    }
    return relative ? { kind: "relative", offset: at, end } : { kind: "absolute", at, end };
  }

  private seconds(): number {
    const token = this.expectKind("number", "a time in seconds");
    const ns = secondsToNanoseconds(token.text);
    if (ns === undefined) this.fail(`bad time ${token.text}`, token);
    return ns;
  }

  // --- Packets ---------------------------------------------------------------------------------

  private packet(): Omit<PacketEvent, "line" | "source" | "time" | "conditions"> {
    const arrow = this.next();
    const direction = arrow.value === "<" ? "inbound" : "outbound";
    let ecn: string | undefined;
    if (this.acceptPunct("[")) {
      ecn = this.expectKind("word", "an ECN codepoint (noecn, ect0, ect1, ce)").value;
      this.expectPunct("]");
    }
    let ip: IpFields | undefined;
    if (this.acceptPunct("(")) ip = this.ipFields();
    const packet = this.isWord(this.peek(), "icmp") ? this.icmpPacket() : this.tcpPacket();
    return { type: "packet", direction, ecn, ip, packet };
  }

  private ipFields(): IpFields {
    const fields: IpFields = {};
    do {
      const name = this.expectKind("word", "an IP field (ttl, tos, hlim, class)");
      const valueToken = this.next();
      const value = valueToken.kind === "number" ? parseNumber(valueToken.text) : undefined;
      switch (name.value) {
        case "ttl":
          fields.ttl = this.byteValue(value, valueToken);
          break;
        case "tos":
          fields.tos = this.byteValue(value, valueToken);
          break;
        case "hlim":
          fields.hopLimit = this.byteValue(value, valueToken);
          break;
        case "class":
          fields.trafficClass = this.byteValue(value, valueToken);
          break;
        default:
          fields.other = { ...fields.other, [name.value]: valueToken.text };
      }
    } while (this.acceptPunct(","));
    this.expectPunct(")");
    return fields;
  }

  private byteValue(value: number | undefined, token: Token): number {
    if (value === undefined || value > 0xff)
      this.fail(`expected a number 0-255, found ${describe(token)}`, token);
    return value;
  }

  private flags(): string {
    let text = "";
    for (;;) {
      const token = this.peek();
      if (this.isPunct(token, ".")) text += ".";
      else if (token.kind === "word" && FLAG_LETTERS.test(token.value)) text += token.value;
      else break;
      this.pos++;
    }
    return text;
  }

  private tcpPacket(): TcpPacketSpec {
    const flagsToken = this.peek();
    const flagText = this.flags();
    if (flagText === "")
      this.fail(`expected TCP flags (e.g. S, S., ., F., R), found ${describe(flagsToken)}`, flagsToken);
    const seq = this.seqSpec();
    const packet: TcpPacketSpec = { protocol: "tcp", flagText, seq, absoluteSeq: this.acceptPunct("!") };
    for (;;) {
      const token = this.peek();
      if (this.isWord(token, "ack") && packet.ack === undefined) {
        this.pos++;
        packet.ack = this.uint32();
      } else if (this.isWord(token, "win") && packet.window === undefined) {
        this.pos++;
        packet.window = this.uint(0xffff, "a window 0-65535");
      } else if (this.isWord(token, "urg") && packet.urgent === undefined) {
        this.pos++;
        packet.urgent = this.uint(0xffff, "an urgent pointer 0-65535");
      } else if (this.isPunct(token, "<") && packet.options === undefined) {
        this.pos++;
        packet.options = this.options();
      } else if (this.isPunct(token, "/") && packet.udpEncapsulation === undefined) {
        this.pos++;
        if (!this.isWord(this.peek(), "udp"))
          this.fail(`expected udp after /, found ${describe(this.peek())}`);
        this.pos++;
        this.expectPunct("(");
        const srcPort = this.uint(0xffff, "a port");
        this.expectPunct(">");
        const dstPort = this.uint(0xffff, "a port");
        this.expectPunct(")");
        packet.udpEncapsulation = { srcPort, dstPort };
      } else break;
    }
    return packet;
  }

  private seqSpec(): SeqSpec {
    if (this.acceptPunct("...")) {
      this.expectPunct("(");
      const length = this.uint(UINT32_MAX, "a length");
      this.expectPunct(")");
      return { any: true, length };
    }
    const startToken = this.peek();
    const start = this.uint32();
    this.expectPunct(":");
    const end = this.uint32();
    this.expectPunct("(");
    const length = this.uint(UINT32_MAX, "a length");
    this.expectPunct(")");
    if ((end - start) >>> 0 !== length)
      this.fail(`sequence range ${start}:${end} does not span its length ${length}`, startToken);
    return { start, end, length };
  }

  private options(): OptionSpec[] | "any" {
    if (this.acceptPunct("...")) {
      this.expectPunct(">");
      return "any";
    }
    const options: OptionSpec[] = [];
    do options.push(this.option());
    while (this.acceptPunct(","));
    this.expectPunct(">");
    return options;
  }

  private option(): OptionSpec {
    const name = this.expectKind("word", "a TCP option (mss, nop, wscale, sackOK, TS, sack, eol, md5)");
    switch (name.value) {
      case "nop":
        return { kind: "nop" };
      case "eol":
        return { kind: "eol" };
      case "sackOK":
        return { kind: "sackOK" };
      case "mss":
        return { kind: "mss", value: this.uint(0xffff, "an MSS") };
      case "wscale":
        return { kind: "wscale", shift: this.uint(0xff, "a shift count") };
      case "TS": {
        this.expectWord("val");
        const value = this.uint32();
        this.expectWord("ecr");
        return { kind: "timestamp", value, echo: this.uint32() };
      }
      case "sack": {
        const blocks: { left: number; right: number }[] = [];
        while (this.peek().kind === "number") {
          const left = this.uint32();
          this.expectPunct(":");
          blocks.push({ left, right: this.uint32() });
        }
        return { kind: "sack", blocks };
      }
      case "md5": {
        const word = this.expectKind("word", "valid or invalid");
        if (word.value !== "valid" && word.value !== "invalid")
          this.fail("expected md5 valid or md5 invalid", word);
        return { kind: "md5", valid: word.value === "valid" };
      }
      default: {
        // An option this runner does not model (e.g. `FO`, `exp`): keep its text.
        const start = name.start;
        let end = name.end;
        while (!this.isPunct(this.peek(), ",") && !this.isPunct(this.peek(), ">") && !this.atLineEnd())
          end = this.next().end;
        return { kind: "other", name: name.value, text: this.source.slice(start, end) };
      }
    }
  }

  private icmpPacket(): IcmpPacketSpec {
    this.pos++; // icmp
    const type = this.expectKind("word", "an ICMP type (unreachable, time_exceeded, ...)").value;
    const packet: IcmpPacketSpec = { protocol: "icmp", type };
    if (this.peek().kind === "word" && !this.isWord(this.peek(), "mtu")) packet.code = this.next().value;
    if (this.isWord(this.peek(), "mtu")) {
      this.pos++;
      packet.mtu = this.uint(0xffff_ffff, "an MTU");
    }
    if (this.acceptPunct("[")) {
      const flagText = this.flags();
      packet.quoted = { flagText, seq: this.seqSpec() };
      this.expectPunct("]");
    }
    return packet;
  }

  // --- System calls ----------------------------------------------------------------------------

  private syscall(): Omit<SyscallEvent, "line" | "source" | "time" | "conditions"> {
    const name = this.next().value;
    this.expectPunct("(");
    const args: Expr[] = [];
    if (!this.isPunct(this.peek(), ")")) {
      do args.push(this.expr());
      while (this.acceptPunct(","));
    }
    this.expectPunct(")");
    this.expectPunct("=");
    const result = this.expr();
    const call: Omit<SyscallEvent, "line" | "source" | "time" | "conditions"> = {
      type: "syscall",
      name,
      args,
      result,
    };
    const after = this.peek();
    if (after.kind === "word" && /^E[A-Z0-9]+$/.test(after.value)) {
      this.pos++;
      call.errno = after.value;
    }
    if (this.isPunct(this.peek(), "(")) call.note = this.note();
    return call;
  }

  /** The free text of a `(...)` note: everything up to the matching `)` on this line. */
  private note(): string {
    const open = this.next();
    let depth = 1;
    for (;;) {
      if (this.atLineEnd()) this.fail("unterminated ( note", open);
      const token = this.next();
      if (this.isPunct(token, "(")) depth++;
      else if (this.isPunct(token, ")") && --depth === 0)
        return this.source.slice(open.end, token.start).trim();
    }
  }

  private expr(): Expr {
    const first = this.term();
    if (!this.isPunct(this.peek(), "|")) return first;
    const operands = [first];
    while (this.acceptPunct("|")) operands.push(this.term());
    return { kind: "or", operands };
  }

  private term(): Expr {
    const token = this.next();
    if (token.kind === "number") return { kind: "number", value: this.numberValue(token), text: token.text };
    if (this.isPunct(token, "-") && this.peek().kind === "number") {
      const digits = this.next();
      return { kind: "number", value: -this.numberValue(digits), text: `-${digits.text}` };
    }
    if (token.kind === "string") return { kind: "string", value: token.value };
    if (this.isPunct(token, "...")) return { kind: "ellipsis" };
    if (token.kind === "word") {
      if (!this.acceptPunct("(")) return { kind: "symbol", name: token.value };
      const args: Expr[] = [];
      if (!this.isPunct(this.peek(), ")")) {
        do args.push(this.expr());
        while (this.acceptPunct(","));
      }
      this.expectPunct(")");
      return { kind: "call", name: token.value, args };
    }
    if (this.isPunct(token, "[")) {
      const items: Expr[] = [];
      if (!this.isPunct(this.peek(), "]")) {
        do items.push(this.expr());
        while (this.acceptPunct(","));
      }
      this.expectPunct("]");
      return { kind: "array", items };
    }
    if (this.isPunct(token, "{")) {
      const fields: { name?: string; value: Expr }[] = [];
      if (!this.isPunct(this.peek(), "}")) {
        do {
          if (this.peek().kind === "word" && this.isPunct(this.peek(1), "=")) {
            const name = this.next().value;
            this.pos++;
            fields.push({ name, value: this.expr() });
          } else fields.push({ value: this.expr() });
        } while (this.acceptPunct(","));
      }
      this.expectPunct("}");
      return { kind: "struct", fields };
    }
    if (this.isPunct(token, "(")) {
      const inner = this.expr();
      this.expectPunct(")");
      return inner;
    }
    this.fail(`expected a value, found ${describe(token)}`, token);
  }

  private numberValue(token: Token): number {
    const value = parseNumber(token.text);
    if (value === undefined) this.fail(`expected an integer, found ${token.text}`, token);
    return value;
  }

  // --- Token helpers ---------------------------------------------------------------------------

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)];
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== "eof") this.pos++;
    return token;
  }

  private atLineEnd(): boolean {
    const kind = this.peek().kind;
    return kind === "newline" || kind === "eof";
  }

  private endOfLine(): void {
    if (!this.atLineEnd()) this.fail(`unexpected ${describe(this.peek())} at the end of the event`);
  }

  private isPunct(token: Token, value: string): boolean {
    return token.kind === "punct" && token.value === value;
  }

  private isWord(token: Token, value: string): boolean {
    return token.kind === "word" && token.value === value;
  }

  private acceptPunct(value: string): boolean {
    if (!this.isPunct(this.peek(), value)) return false;
    this.pos++;
    return true;
  }

  private expectPunct(value: string): Token {
    const token = this.peek();
    if (!this.isPunct(token, value)) this.fail(`expected ${value}, found ${describe(token)}`, token);
    this.pos++;
    return token;
  }

  private expectWord(value: string): Token {
    const token = this.peek();
    if (!this.isWord(token, value)) this.fail(`expected ${value}, found ${describe(token)}`, token);
    this.pos++;
    return token;
  }

  private expectKind(kind: Token["kind"], what: string): Token {
    const token = this.peek();
    if (token.kind !== kind) this.fail(`expected ${what}, found ${describe(token)}`, token);
    this.pos++;
    return token;
  }

  private uint(max: number, what: string): number {
    const token = this.peek();
    const value = token.kind === "number" ? parseNumber(token.text) : undefined;
    if (value === undefined || value > max) this.fail(`expected ${what}, found ${describe(token)}`, token);
    this.pos++;
    return value;
  }

  private uint32(): number {
    return this.uint(UINT32_MAX, "a 32-bit number");
  }

  /** The text of the line a token is on, trimmed, for reports. */
  private lineText(token: Token): string {
    const start = this.source.lastIndexOf("\n", token.start - 1) + 1;
    let end = this.source.indexOf("\n", token.start);
    if (end < 0) end = this.source.length;
    return this.source.slice(start, end).trim();
  }

  private fail(message: string, token: Token = this.peek()): never {
    throw new Failure(new PktSyntaxError(message, token.line, token.column));
  }
}

/** A non-negative integer as written (`12`, `0x02`); undefined for fractions and unsafe values. */
function parseNumber(text: string): number | undefined {
  const value = /^0[xX][0-9a-fA-F]+$/.test(text)
    ? Number.parseInt(text.slice(2), 16)
    : /^\d+$/.test(text)
      ? Number(text)
      : undefined;
  return value !== undefined && Number.isSafeInteger(value) ? value : undefined;
}

function describe(token: Token): string {
  switch (token.kind) {
    case "eof":
      return "the end of the script";
    case "newline":
      return "the end of the line";
    case "command":
      return "a `command`";
    case "code":
      return "a %{ code }% block";
    default:
      return JSON.stringify(token.text);
  }
}
