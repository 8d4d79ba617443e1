/**
 * The page's end of the WebSocket (`/ws`): sends requests with a number, matches replies by
 * `replyTo`, and hands every other message to the app. Reconnects when the server restarts (the
 * new `hello` then replaces the whole picture).
 */
import type { ClientMessage, ServerMessage } from "../protocol.js";

type Pending = { resolve(message: ServerMessage): void; reject(error: Error): void };

/** A request without its `id` (the connection numbers it). */
export type Request = ClientMessage extends infer M
  ? M extends ClientMessage
    ? Omit<M, "id">
    : never
  : never;

export class LabConnection {
  private socket: WebSocket | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedByUs = false;
  private retry = 500;

  constructor(
    private readonly url: string,
    private readonly onMessage: (message: ServerMessage) => void,
    private readonly onStatus: (status: "open" | "closed") => void,
  ) {}

  open(): void {
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      this.retry = 500;
      this.onStatus("open");
    };
    socket.onmessage = (event) => {
      let message: ServerMessage;
      try {
        message = JSON.parse(String(event.data)) as ServerMessage;
      } catch {
        return;
      }
      const replyTo = (message as { replyTo?: number }).replyTo;
      if (replyTo !== undefined && this.pending.has(replyTo)) {
        const pending = this.pending.get(replyTo)!;
        this.pending.delete(replyTo);
        if (message.type === "error") pending.reject(new Error(message.message));
        else pending.resolve(message);
        // Replies that also change what every view shows go on to the app as well.
        if (message.type !== "packet" && message.type !== "completions") this.onMessage(message);
        return;
      }
      this.onMessage(message);
    };
    socket.onclose = () => {
      this.onStatus("closed");
      for (const pending of this.pending.values()) pending.reject(new Error("connection closed"));
      this.pending.clear();
      if (!this.closedByUs) {
        setTimeout(() => this.open(), this.retry);
        this.retry = Math.min(this.retry * 2, 8000);
      }
    };
  }

  close(): void {
    this.closedByUs = true;
    this.socket?.close();
  }

  /** Sends a request and waits for its reply (an `error` reply rejects). */
  request<T extends ServerMessage = ServerMessage>(message: Request): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      if (!this.socket || this.socket.readyState !== WebSocket.OPEN) {
        reject(new Error("not connected"));
        return;
      }
      this.pending.set(id, { resolve: resolve as (m: ServerMessage) => void, reject });
      this.socket.send(JSON.stringify({ ...message, id }));
    });
  }

  /** Sends without waiting for a reply. */
  send(message: Request): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }
}
