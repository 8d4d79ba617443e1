/**
 * `curl`: one HTTP/1.1 request over the node's TCP, with real curl's flags for the common cases
 * (-o/-O, -X, -d/--data-binary @FILE, -T, -H, -s/-S, -w, -i/-I, -f, -v, -m, --connect-timeout)
 * and its messages, progress meter and exit codes (curl(1) "EXIT CODES": 3 malformed URL, 6 host
 * not resolved, 7 connection failed, 22 HTTP error with -f, 23 write error, 26 read error,
 * 28 timeout, 56 receive failure). Files come through the shell's file system.
 */
import { sendHttpRequest } from "../../apps/http/client.js";
import { addressLiteral, happyEyeballs } from "../../apps/http/happy-eyeballs.js";
import type { StreamSocket } from "../../apps/http/stream-socket.js";
import { MILLISECOND, type Nanoseconds, SECOND } from "../../sim/time.js";
import type { NetSocket } from "../../socket/net.js";
import { Ipv6Address } from "../../wire/address/ipv6.js";
import type { NodeCommand } from "../command.js";
import type { FileSink, ShellOutput } from "../io.js";
import { parseOptions, secondsOption, UsageError } from "../options.js";

export interface ParsedUrl {
  scheme: string;
  host: string;
  port: number;
  /** Path and query, e.g. `/bytes/100?x=1`. */
  target: string;
}

/**
 * `http://10.0.2.10:8080/x`, `10.0.2.10/x` (curl assumes http://), `http://[2001:db8::1]:8080/x`
 * (an IPv6 address in brackets, RFC 3986 §3.2.2; `host` keeps them, as the Host header does).
 * A string is curl's complaint.
 */
export function parseUrl(text: string): ParsedUrl | string {
  const match =
    /^(?:([a-z][a-z0-9+.-]*):\/\/)?(\[[^\]/?#]*\]|[^/:?#[\]]*)(?::(\d*))?([/?][^#]*)?(?:#.*)?$/i.exec(text);
  if (!match || match[2] === "") return "URL rejected: Bad hostname";
  if (match[2].startsWith("[") && !Ipv6Address.tryParse(match[2]))
    return "URL rejected: Malformed input to a URL function";
  const scheme = (match[1] ?? "http").toLowerCase();
  if (scheme !== "http") return `Protocol "${scheme}" not supported`;
  const port = match[3] === undefined || match[3] === "" ? 80 : Number(match[3]);
  if (port < 1 || port > 65535)
    return "URL rejected: Port number was not a decimal number between 0 and 65535";
  let target = match[4] ?? "/";
  if (target.startsWith("?")) target = `/${target}`;
  return { scheme, host: match[2], port, target };
}

/** curl's five-character sizes in the progress meter (progress.c max5data). */
export function max5(bytes: number): string {
  const KB = 1024;
  const MB = KB * 1024;
  const GB = MB * 1024;
  const b = Math.floor(bytes);
  if (b < 100000) return String(b).padStart(5);
  if (b < 10000 * KB) return `${String(Math.floor(b / KB)).padStart(4)}k`;
  if (b < 100 * MB) return `${String(Math.floor(b / MB)).padStart(2)}.${Math.floor((b % MB) / (MB / 10))}M`;
  if (b < 10000 * MB) return `${String(Math.floor(b / MB)).padStart(4)}M`;
  if (b < 100 * GB) return `${String(Math.floor(b / GB)).padStart(2)}.${Math.floor((b % GB) / (GB / 10))}G`;
  return `${String(Math.floor(b / GB)).padStart(4)}G`;
}

/** curl's `H:MM:SS` (progress.c time2str), eight characters. */
function time2str(seconds: number | undefined): string {
  if (seconds === undefined) return "--:--:--";
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  if (h <= 99)
    return `${String(h).padStart(2)}:${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
  const d = Math.floor(h / 24);
  return d <= 999
    ? `${String(d).padStart(3)}d ${String(h % 24).padStart(2, "0")}h`
    : `${String(d).padStart(7)}d`;
}

const METER_HEAD =
  "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n" +
  "                                 Dload  Upload   Total   Spent    Left  Speed\n";

interface Transfer {
  downloaded: number;
  uploaded: number;
  expectedDownload: number | undefined;
  uploadSize: number;
  seconds: number;
}

/** The progress meter's final line, as curl prints it when a transfer ends. */
export function meterLine(t: Transfer): string {
  const pct = (done: number, total: number | undefined) =>
    String(
      total === undefined || total === 0
        ? done > 0 && total === 0
          ? 100
          : 0
        : Math.floor((done * 100) / total),
    ).padStart(3);
  const totalSize = t.expectedDownload === undefined ? undefined : t.expectedDownload + t.uploadSize;
  const seconds = Math.max(t.seconds, 0.000001);
  const dlSpeed = t.downloaded / seconds;
  const ulSpeed = t.uploaded / seconds;
  const total = totalSize === undefined ? undefined : t.seconds;
  return (
    `${pct(t.downloaded + t.uploaded, totalSize ?? undefined)} ${max5(totalSize ?? t.downloaded + t.uploaded)}  ` +
    `${pct(t.downloaded, t.expectedDownload)} ${max5(t.downloaded)}  ` +
    `${pct(t.uploaded, t.uploadSize)} ${max5(t.uploaded)}  ${max5(dlSpeed)}  ${max5(ulSpeed)} ` +
    `${time2str(total)} ${time2str(t.seconds)} ${time2str(totalSize === undefined ? undefined : 0)} ${max5(t.uploaded > t.downloaded ? ulSpeed : dlSpeed)}`
  );
}

/** curl's `-w` escapes: `%{name}`, `%header{name}`, `%%`, and \n \r \t. */
export function writeOut(
  format: string,
  variables: Record<string, string>,
  headers: Map<string, string>,
): string {
  return format.replace(
    /%%|%\{([a-z_]+)\}|%header\{([^}]+)\}|\\([nrt\\])/g,
    (whole, name?: string, header?: string, escaped?: string) => {
      if (whole === "%%") return "%";
      if (escaped !== undefined) return { n: "\n", r: "\r", t: "\t", "\\": "\\" }[escaped]!;
      if (header !== undefined) return headers.get(header.toLowerCase()) ?? "";
      return variables[name!] ?? whole;
    },
  );
}

/** A socket whose traffic curl -v and -i can show: the request head sent, the response head received. */
class WatchedSocket implements StreamSocket {
  sentHead: Uint8Array | undefined;
  private received: Uint8Array[] = [];
  private receivedLength = 0;
  responseHead: string | undefined;
  bytesIn = 0;

  constructor(readonly socket: NetSocket) {}

  on(event: string, listener: (...args: never[]) => void): this {
    if (event === "data") {
      const inner = listener as unknown as (chunk: Uint8Array) => void;
      this.socket.on("data", (chunk: Uint8Array) => {
        this.bytesIn += chunk.length;
        this.watch(chunk);
        inner(chunk);
      });
    } else this.socket.on(event, listener as never);
    return this;
  }

  private watch(chunk: Uint8Array): void {
    if (this.responseHead !== undefined || this.receivedLength > 65536) return;
    this.received.push(chunk.slice(0, 65536));
    this.receivedLength += chunk.length;
    const all = concat(this.received);
    const text = latin1(all);
    const end = text.indexOf("\r\n\r\n");
    if (end >= 0 && !/^HTTP\/\d\.\d 1\d\d /.test(text)) this.responseHead = text.slice(0, end + 4);
    else if (end >= 0) {
      // An interim (1xx) response: keep looking after it.
      this.received = [all.subarray(end + 4)];
      this.receivedLength = this.received[0].length;
    }
  }

  write(chunk: Uint8Array): boolean {
    this.sentHead ??= chunk;
    return this.socket.write(chunk);
  }
  end(): unknown {
    return this.socket.end();
  }
  destroy(error?: Error): unknown {
    return this.socket.destroy(error);
  }
  pause(): unknown {
    return this.socket.pause();
  }
  resume(): unknown {
    return this.socket.resume();
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function latin1(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
  return text;
}

const encoder = new TextEncoder();

/** Where the body goes: the terminal, a file, or nowhere (-I). */
interface BodyTarget {
  write(chunk: Uint8Array): boolean;
  close(): Promise<void>;
}

function terminalTarget(out: ShellOutput): BodyTarget {
  return {
    write(chunk) {
      if (out.writeBytes) out.writeBytes(chunk);
      else out.write(new TextDecoder().decode(chunk));
      return true;
    },
    close: async () => {},
  };
}

function fileTarget(sink: FileSink): BodyTarget {
  return {
    write(chunk) {
      sink.write(chunk);
      return true;
    },
    close: () => sink.close(),
  };
}

class CurlError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const curl: NodeCommand = {
  scope: "node",
  name: "curl",
  summary: "fetch a URL over HTTP/1.1 (curl's common flags)",
  usage:
    "curl [-s] [-S] [-v] [-i] [-I] [-f] [-o FILE|-O] [-X METHOD] [-H 'Name: value'] [-d DATA|--data-binary @FILE] [-T FILE] [-w FORMAT] [-m SECONDS] [-4|-6] URL",
  details:
    "URL: http://HOST[:PORT]/PATH; HOST may be a node name (curl h2/bytes/1000) or an IPv6 address in brackets\n" +
    "(http://[2001:db8::1]/). A name with both IPv6 and IPv4 addresses is connected to the Happy Eyeballs way (RFC 8305).\n" +
    "-w variables: %{http_code} %{size_download} %{size_upload} %{speed_download} %{time_total} %{time_connect}\n" +
    "  %{time_starttransfer} %{remote_ip} %{remote_port} %{local_ip} %{local_port} %{content_type} %{url_effective}",
  async run({ node, args, out, err, signal, shell }) {
    const options = parseOptions(args, [
      { name: "output", short: "o", long: "output", value: true },
      { name: "remoteName", short: "O", long: "remote-name" },
      { name: "request", short: "X", long: "request", value: true },
      { name: "data", short: "d", long: "data", value: true, repeat: true },
      { name: "dataAscii", long: "data-ascii", value: true, repeat: true },
      { name: "dataBinary", long: "data-binary", value: true, repeat: true },
      { name: "dataRaw", long: "data-raw", value: true, repeat: true },
      { name: "upload", short: "T", long: "upload-file", value: true },
      { name: "header", short: "H", long: "header", value: true, repeat: true },
      { name: "silent", short: "s", long: "silent" },
      { name: "showError", short: "S", long: "show-error" },
      { name: "writeOut", short: "w", long: "write-out", value: true },
      { name: "include", short: "i", long: "include" },
      { name: "head", short: "I", long: "head" },
      { name: "fail", short: "f", long: "fail" },
      { name: "verbose", short: "v", long: "verbose" },
      { name: "maxTime", short: "m", long: "max-time", value: true },
      { name: "connectTimeout", long: "connect-timeout", value: true },
      { name: "userAgent", short: "A", long: "user-agent", value: true },
      { name: "ipv4", short: "4", long: "ipv4" },
      { name: "ipv6", short: "6", long: "ipv6" },
    ]);
    if (options.positionals.length === 0) throw new UsageError("no URL specified");
    if (options.positionals.length > 1)
      throw new UsageError(`one URL at a time (got ${options.positionals.length})`);
    const silent = options.flags.has("silent");
    // -s mutes warnings and errors; -S brings the errors back (curl's mute and showerror).
    const showErrors = !silent || options.flags.has("showError");
    const verbose = options.flags.has("verbose");
    const maxTime = secondsOption(options.values.get("maxTime"), "max time");
    const connectTimeout = secondsOption(options.values.get("connectTimeout"), "connect timeout");
    const urlText = options.positionals[0];
    const scheduler = node!.scheduler;
    const start = scheduler.now;
    const elapsedMs = () => Math.round((scheduler.now - start) / MILLISECOND);

    const variables: Record<string, string> = {
      http_code: "000",
      response_code: "000",
      size_download: "0",
      size_upload: "0",
      size_header: "0",
      size_request: "0",
      speed_download: "0",
      speed_upload: "0",
      time_namelookup: "0.000000",
      time_connect: "0.000000",
      time_starttransfer: "0.000000",
      time_total: "0.000000",
      remote_ip: "",
      remote_port: "",
      local_ip: "",
      local_port: "",
      url_effective: urlText,
      content_type: "",
      num_connects: "0",
      exitcode: "0",
      errormsg: "",
      method: "GET",
      scheme: "HTTP",
    };
    let headers = new Map<string, string>();
    const seconds = (ns: Nanoseconds) => (ns / SECOND).toFixed(6);
    const finish = (code: number, message?: string): { status: number; data: unknown } => {
      variables.exitcode = String(code);
      if (message) {
        variables.errormsg = message;
        if (showErrors) err.write(`curl: (${code}) ${message}\n`);
      }
      const format = options.values.get("writeOut");
      if (format !== undefined) out.write(writeOut(format, variables, headers));
      return { status: code, data: { ...variables } };
    };

    const url = parseUrl(urlText);
    if (typeof url === "string") return finish(url.startsWith("Protocol") ? 1 : 3, url);
    variables.url_effective = `http://${url.host}${url.port === 80 ? "" : `:${url.port}`}${url.target}`;
    // Resolve and connect (RFC 8305 for names with both families); an address literal is used as is.
    const family = options.flags.has("ipv6") ? 6 : options.flags.has("ipv4") ? 4 : undefined;
    const literal = addressLiteral(url.host);
    if (literal && family !== undefined && literal.version !== family) {
      return finish(6, `Could not resolve host: ${url.host}`);
    }
    let raced: Awaited<ReturnType<typeof happyEyeballs>> | undefined;
    if (!literal) {
      void happyEyeballs(node!, url.host, url.port, {
        ...(family !== undefined ? { family } : {}),
        onAttempt: (a) => {
          if (verbose) err.write(`*   Trying ${a.version === 6 ? `[${a}]` : a}:${url.port}...\n`);
        },
      }).then((result) => {
        raced = result;
      });
      await shell.driver.until(() => raced !== undefined, {
        signal,
        limit: connectTimeout ?? maxTime ?? 300 * SECOND,
      });
      if (!raced) return finish(28, `Resolving timed out after ${elapsedMs()} milliseconds`);
      if (raced.error === "resolve") return finish(6, `Could not resolve host: ${url.host}`);
      if (raced.error === "connect") {
        const reason = raced.errno === "ECONNREFUSED" ? "Couldn't connect to server" : "No route to host";
        return finish(
          7,
          `Failed to connect to ${url.host} port ${url.port} after ${elapsedMs()} ms: ${reason}`,
        );
      }
    }
    const address = literal?.toString() ?? raced!.address!.toString();

    // The request body: -d (form data, newlines stripped from @files), --data-binary (as is), -T.
    let body: Uint8Array | undefined;
    const contentHeaders: Record<string, string> = {};
    try {
      const pieces: Uint8Array[] = [];
      const read = (text: string, strip: boolean): Uint8Array => {
        if (!text.startsWith("@")) return encoder.encode(text);
        const path = text.slice(1);
        let data: Uint8Array;
        try {
          data = shell.fs.readFile(path);
        } catch {
          if (!silent)
            err.write(`Warning: Couldn't read data from file "${path}", this makes an empty POST.\n`);
          throw new CurlError(26, "Failed to open/read local data from file/application");
        }
        return strip ? data.filter((b) => b !== 0x0a && b !== 0x0d) : data;
      };
      const forms = [...(options.lists.get("data") ?? []), ...(options.lists.get("dataAscii") ?? [])];
      for (const d of forms) pieces.push(read(d, true));
      for (const d of options.lists.get("dataBinary") ?? []) pieces.push(read(d, false));
      for (const d of options.lists.get("dataRaw") ?? []) pieces.push(encoder.encode(d));
      if (pieces.length > 0) {
        const joined: Uint8Array[] = [];
        pieces.forEach((p, i) => {
          if (i > 0) joined.push(Uint8Array.of(0x26)); // '&'
          joined.push(p);
        });
        body = concat(joined);
        contentHeaders["Content-Type"] = "application/x-www-form-urlencoded";
      }
      const upload = options.values.get("upload");
      if (upload !== undefined) {
        try {
          body = shell.fs.readFile(upload);
        } catch {
          throw new CurlError(26, `Failed to open/read local data from file/application`);
        }
      }
    } catch (error) {
      if (error instanceof CurlError) return finish(error.code, error.message);
      throw error;
    }
    const head = options.flags.has("head");
    const method =
      options.values.get("request") ??
      (head ? "HEAD" : options.values.has("upload") ? "PUT" : body ? "POST" : "GET");
    variables.method = method;
    const requestHeaders: Record<string, string> = { ...contentHeaders };
    const agent = options.values.get("userAgent");
    if (agent !== undefined) requestHeaders["User-Agent"] = agent;
    for (const header of options.lists.get("header") ?? []) {
      const colon = header.indexOf(":");
      if (colon <= 0) throw new UsageError(`invalid header "${header}": expected "Name: value"`);
      requestHeaders[header.slice(0, colon).trim()] = header.slice(colon + 1).trim();
    }

    // Where the body goes.
    let outputPath = options.values.get("output");
    if (options.flags.has("remoteName")) {
      const name = url.target.split("?")[0].split("/").pop() ?? "";
      if (name === "") return finish(23, "Remote file name has no length!");
      outputPath = name;
    }
    const toTerminal = outputPath === undefined || outputPath === "-";
    const meter = !silent && !verbose && (!toTerminal || !out.isTTY);
    let target: BodyTarget | undefined;
    if (!toTerminal) {
      try {
        target = fileTarget(shell.fs.createWriteSink(outputPath!));
      } catch (error) {
        if (!silent)
          err.write(`Warning: Failed to open the file ${outputPath}: ${(error as Error).message}\n`);
        return finish(23, "Failure writing output to destination");
      }
    } else target = terminalTarget(out);

    if (verbose && literal) {
      err.write(`*   Trying ${literal.version === 6 ? `[${address}]` : address}:${url.port}...\n`);
    }
    const socket = raced?.socket ?? node!.net.connect(url.port, address);
    const watched = new WatchedSocket(socket);
    let connectedAt: Nanoseconds | undefined;
    let firstByteAt: Nanoseconds | undefined;
    let status = 0;
    let downloaded = 0;
    let expected: number | undefined;
    let outcome: { code: number; message?: string } | undefined;
    let binaryRefused = false;
    const connected = () => {
      connectedAt = scheduler.now;
      variables.num_connects = "1";
      variables.remote_ip = socket.remoteAddress ?? "";
      variables.remote_port = String(socket.remotePort ?? "");
      variables.local_ip = socket.localAddress ?? "";
      variables.local_port = String(socket.localPort ?? "");
      if (verbose) {
        err.write(`* Connected to ${url.host} (${address}) port ${url.port}\n`);
        if (watched.sentHead) {
          for (const line of latin1(watched.sentHead).split("\r\n").slice(0, -1)) err.write(`> ${line}\n`);
        }
      }
    };
    // A Happy Eyeballs winner is connected already (its "connect" is reported once the request
    // is on its way, below); a literal address connects now.
    if (!raced?.socket) socket.on("connect", connected);
    const hostHeader = url.port === 80 ? url.host : `${url.host}:${url.port}`;
    sendHttpRequest(
      watched,
      {
        method,
        host: hostHeader,
        path: url.target,
        headers: requestHeaders,
        ...(body ? { body } : {}),
      },
      {
        onResponse(response) {
          firstByteAt = scheduler.now;
          status = response.status;
          headers = response.headers;
          variables.http_code = variables.response_code = String(status).padStart(3, "0");
          variables.content_type = headers.get("content-type") ?? "";
          const length = headers.get("content-length");
          if (length !== undefined && /^\d+$/.test(length)) expected = Number(length);
          const raw = watched.responseHead ?? "";
          variables.size_header = String(raw.length);
          if (verbose) {
            for (const line of raw.split("\r\n").slice(0, -1)) err.write(`< ${line}\n`);
          }
          if (options.flags.has("include") || head) target!.write(encoder.encode(raw));
          if (options.flags.has("fail") && status >= 400) {
            outcome = { code: 22, message: `The requested URL returned error: ${status}` };
            socket.destroy();
          }
        },
        onData(chunk) {
          if (outcome || binaryRefused) return;
          // Like curl, check every piece written to a terminal for a NUL byte (binary data).
          if (toTerminal && out.isTTY && chunk.includes(0)) {
            binaryRefused = true;
            err.write(
              'Warning: Binary output can mess up your terminal. Use "--output -" to tell \n' +
                'Warning: curl to output it to your terminal anyway, or consider "--output \n' +
                'Warning: <FILE>" to save to a file.\n',
            );
            outcome = { code: 23, message: "" };
            socket.destroy();
            return;
          }
          downloaded += chunk.length;
          target!.write(chunk);
        },
        onEnd() {
          outcome ??= { code: 0 };
          socket.end();
        },
        onError(error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (connectedAt === undefined) {
            const reason =
              code === "ECONNREFUSED"
                ? "Couldn't connect to server"
                : code === "EHOSTUNREACH" || code === "ENETUNREACH"
                  ? "No route to host"
                  : code === "ETIMEDOUT"
                    ? "Connection timed out"
                    : error.message;
            outcome ??= {
              code: 7,
              message: `Failed to connect to ${url.host} port ${url.port} after ${elapsedMs()} ms: ${reason}`,
            };
          } else outcome ??= { code: 56, message: `Recv failure: ${error.message}` };
        },
      },
    );
    if (raced?.socket) connected();
    const connectExpired = () =>
      connectTimeout !== undefined && connectedAt === undefined && scheduler.now - start >= connectTimeout;
    await shell.driver.until(() => outcome !== undefined || connectExpired(), {
      signal,
      ...(maxTime !== undefined ? { limit: maxTime } : {}),
    });
    if (!outcome && connectExpired()) {
      outcome = { code: 28, message: `Connection timed out after ${elapsedMs()} milliseconds` };
    }
    if (!outcome) {
      socket.destroy();
      outcome = signal.aborted
        ? { code: 130, message: "Interrupted" }
        : {
            code: 28,
            message: `Operation timed out after ${elapsedMs()} milliseconds with ${downloaded}${expected !== undefined ? ` out of ${expected}` : ""} bytes received`,
          };
    }
    try {
      await target!.close();
    } catch (error) {
      if (!silent) err.write(`Warning: ${(error as Error).message}\n`);
      if (outcome.code === 0) outcome = { code: 23, message: "Failure writing output to destination" };
    }
    const end = scheduler.now;
    variables.size_download = String(downloaded);
    variables.size_upload = String(body && connectedAt !== undefined ? body.length : 0);
    variables.size_request = String(watched.sentHead?.length ?? 0);
    variables.time_total = seconds(end - start);
    variables.time_connect = seconds((connectedAt ?? start) - start);
    variables.time_starttransfer = seconds((firstByteAt ?? start) - start);
    const totalSeconds = (end - start) / SECOND;
    variables.speed_download = String(Math.round(downloaded / Math.max(totalSeconds, 1e-9)));
    variables.speed_upload = String(Math.round(Number(variables.size_upload) / Math.max(totalSeconds, 1e-9)));
    if (meter) {
      err.write(METER_HEAD);
      err.write(
        `${meterLine({
          downloaded,
          uploaded: Number(variables.size_upload),
          expectedDownload: expected,
          uploadSize: body?.length ?? 0,
          seconds: totalSeconds,
        })}\n`,
      );
    }
    if (verbose && outcome.code === 0) err.write(`* Closing connection 0\n`);
    return finish(outcome.code, outcome.message || undefined);
  },
};

export const curlCommands: readonly NodeCommand[] = [curl];
