/**
 * `tinkernet decode FILE [--json]`: prints every frame of a pcap or pcapng file layer by layer.
 *
 * Text (default): for each frame, each layer with its OSI and TCP/IP place and its fields with
 * their meanings. `--json`: one JSON object per line, `{"frame": N, "layers": [...]}` plus the
 * frame's time, lengths and interface.
 *
 * Exit codes: 0 all frames read; 1 the file is damaged (the frames before the damage are printed,
 * then what went wrong and where, on stderr); 2 the file cannot be read or is no capture at all.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { CaptureFile, CaptureFrame } from "../../trace/capture.js";
import { decodeFrame, frameFields } from "../../trace/decode.js";
import { readCapture } from "../../trace/read-capture.js";
import { epochText, renderFrameText } from "../../trace/render.js";

export function registerDecode(program: Command): void {
  program
    .command("decode")
    .description("print every frame of a pcap or pcapng file layer by layer")
    .argument("<file>", "a .pcap or .pcapng file")
    .option("--json", "one JSON object per frame")
    .action((file: string, options: { json?: boolean }) => {
      process.exitCode = decodeFile(file, options.json === true);
    });
}

/** Writes output in large chunks (console.log per frame is slow on big captures). */
class Output {
  private pending: string[] = [];
  private size = 0;
  private closed = false;

  constructor() {
    // `tinkernet decode big.pcap | head`: stop quietly when the reader goes away.
    process.stdout.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") this.closed = true;
      else throw error;
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  line(text: string): void {
    this.pending.push(text);
    this.size += text.length;
    if (this.size > 1 << 16) this.flush();
  }

  flush(): void {
    if (this.pending.length > 0 && !this.closed) process.stdout.write(`${this.pending.join("\n")}\n`);
    this.pending = [];
    this.size = 0;
  }
}

function frameJson(number: number, frame: CaptureFrame, capture: CaptureFile): string {
  const decoded = decodeFrame(frame.linkType, frame.data, {
    originalLength: frame.originalLength,
    fcsLength: capture.interfaces[frame.interfaceIndex]?.fcsLength,
  });
  const object: Record<string, unknown> = {
    frame: number,
    time: epochText(frame.timestampNs),
    length: frame.originalLength,
    capturedLength: frame.data.length,
    interface: frame.interfaceIndex,
    linkType: frame.linkType,
  };
  if (frame.comments.length > 0) object.comments = frame.comments;
  if (frame.direction) object.direction = frame.direction;
  object.layers = frameFields(decoded);
  return JSON.stringify(object);
}

/** Decodes `path` to stdout; returns the exit code. */
export function decodeFile(path: string, json: boolean): number {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message;
    console.error(`tinkernet decode: cannot read ${path}: ${reason}`);
    return 2;
  }
  const capture = readCapture(bytes);
  if (capture.error && capture.interfaces.length === 0) {
    console.error(`tinkernet decode: ${path} is not a readable capture: ${capture.error.reason}`);
    return 2;
  }
  const out = new Output();
  if (!json) for (const comment of capture.comments) out.line(`# ${comment}`);
  for (const [index, frame] of capture.frames.entries()) {
    if (out.isClosed) return 0;
    const number = index + 1;
    if (json) out.line(frameJson(number, frame, capture));
    else {
      const iface = capture.interfaces[frame.interfaceIndex];
      const decoded = decodeFrame(frame.linkType, frame.data, {
        originalLength: frame.originalLength,
        fcsLength: iface?.fcsLength,
      });
      out.line(renderFrameText(number, frame, iface, decoded));
      out.line("");
    }
  }
  out.flush();
  if (capture.error) {
    console.error(
      `tinkernet decode: ${path} is damaged after frame ${capture.frames.length}: ${capture.error.reason} (at byte ${capture.error.offset} of the file)`,
    );
    return 1;
  }
  return 0;
}
