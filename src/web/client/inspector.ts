/**
 * The packet inspector: one frame, layer by layer, as a textbook and Wireshark show it.
 *
 *  - each layer is a collapsible tree of its fields, headed by its name and its place in both
 *    models (OSI layer 3 Network / TCP/IP Internet);
 *  - a hex dump of the frame's bytes: hovering or selecting a field lights its bytes, and
 *    hovering a byte lights the field it belongs to (the innermost one);
 *  - "at each device": what happened to the packet at each node it crossed (ARP lookup, route
 *    chosen, TTL decremented, NAT rewrite, dropped and why), from the events around it.
 */
import type { PacketField, PacketMessage } from "../protocol.js";
import { escapeHtml } from "./graph.js";
import { formatTime } from "./model.js";

interface FieldSpan {
  start: number;
  end: number;
  element: HTMLElement;
}

const hexByte = (b: number) => b.toString(16).padStart(2, "0");

export class Inspector {
  private spans: FieldSpan[] = [];
  private byteElements: HTMLElement[] = [];
  private selected: HTMLElement | null = null;
  packet: PacketMessage | null = null;

  constructor(
    private readonly root: HTMLElement,
    private readonly onDevice: (seq: number) => void,
  ) {
    root.innerHTML = `<p class="empty">Pick a frame in the event list (or step to one) to open it here.</p>`;
  }

  showError(message: string): void {
    this.root.innerHTML = `<p class="empty bad">${escapeHtml(message)}</p>`;
  }

  show(packet: PacketMessage): void {
    this.packet = packet;
    this.spans = [];
    const bytes = fromHex(packet.bytes);
    const root = this.root;
    root.replaceChildren();

    const head = document.createElement("div");
    head.className = "inspector-head";
    head.innerHTML =
      `<b>Frame ${packet.frameId}</b>: ${packet.length} bytes at <b>${escapeHtml(packet.node)}:${escapeHtml(packet.iface)}</b>, ` +
      `${formatTime(packet.time)}`;
    root.append(head);

    const layers = document.createElement("div");
    layers.className = "layers";
    for (const layer of packet.layers) {
      const details = document.createElement("details");
      details.open = true;
      details.className = `layer layer-${layer.layer}`;
      details.dataset.layer = layer.layer;
      const summary = document.createElement("summary");
      summary.innerHTML =
        `<span class="layer-name">${escapeHtml(layer.name)}</span>` +
        `<span class="layer-place" title="OSI model / TCP/IP model">OSI ${escapeHtml(layer.osi)} · TCP/IP ${escapeHtml(layer.tcpip)}</span>` +
        `<div class="layer-summary">${escapeHtml(layer.summary)}</div>`;
      details.append(summary);
      this.track(summary, layer.offset, layer.length);
      if (layer.error) {
        const error = document.createElement("div");
        error.className = "bad";
        error.textContent = `not parsed: ${layer.error}`;
        details.append(error);
      }
      details.append(this.fieldTree(layer.fields));
      layers.append(details);
    }
    // Layers and the devices scroll; the bytes stay in view below them.
    const scroll = document.createElement("div");
    scroll.className = "inspector-scroll";
    scroll.append(layers);
    root.append(scroll);

    const dump = document.createElement("div");
    dump.className = "hexdump";
    this.byteElements = [];
    for (let row = 0; row < bytes.length; row += 16) {
      const line = document.createElement("div");
      line.className = "hex-line";
      const offset = document.createElement("span");
      offset.className = "hex-offset";
      offset.textContent = row.toString(16).padStart(4, "0");
      line.append(offset);
      const ascii = document.createElement("span");
      ascii.className = "hex-ascii";
      for (let i = row; i < Math.min(row + 16, bytes.length); i++) {
        const b = document.createElement("span");
        b.className = "hex-byte";
        b.dataset.offset = String(i);
        b.textContent = hexByte(bytes[i]);
        line.append(b);
        this.byteElements.push(b);
        const c = document.createElement("span");
        c.dataset.offset = String(i);
        c.className = "hex-char";
        c.textContent = bytes[i] >= 0x20 && bytes[i] < 0x7f ? String.fromCharCode(bytes[i]) : "·";
        ascii.append(c);
      }
      line.append(ascii);
      dump.append(line);
    }
    dump.addEventListener("mouseover", (e) => {
      const offset = (e.target as HTMLElement).dataset.offset;
      if (offset !== undefined) this.hoverByte(Number(offset), false);
    });
    // A click on a byte brings its field into view (a hover must not scroll the byte away).
    dump.addEventListener("click", (e) => {
      const offset = (e.target as HTMLElement).dataset.offset;
      if (offset !== undefined) this.hoverByte(Number(offset), true);
    });
    dump.addEventListener("mouseleave", () => this.light(null));
    const bytesBox = document.createElement("div");
    bytesBox.className = "inspector-bytes";
    bytesBox.append(heading(`Bytes (${bytes.length})`), dump);
    root.append(bytesBox);

    if (packet.atDevice.length > 0) {
      const list = document.createElement("ol");
      list.className = "at-device";
      for (const step of packet.atDevice) {
        const item = document.createElement("li");
        item.className = `device-${step.kind}`;
        item.dataset.seq = String(step.seq);
        item.innerHTML =
          `<span class="dim">${formatTime(step.time)}</span> <b>${escapeHtml(step.node)}</b>` +
          `${step.iface ? `<span class="dim">:${escapeHtml(step.iface)}</span>` : ""} ` +
          `<span class="kind">${escapeHtml(step.kind)}</span> ${escapeHtml(step.what)}`;
        item.addEventListener("click", () => this.onDevice(step.seq));
        list.append(item);
      }
      scroll.append(heading("At each device"), list);
    }
  }

  private fieldTree(fields: PacketField[]): HTMLElement {
    const list = document.createElement("ul");
    list.className = "fields";
    for (const field of fields) {
      const item = document.createElement("li");
      const row = document.createElement("div");
      row.className = "field";
      row.tabIndex = 0;
      row.dataset.name = field.name;
      if (field.offset !== undefined) {
        row.dataset.offset = String(field.offset);
        row.dataset.length = String(field.length ?? 1);
      }
      row.innerHTML =
        `<span class="field-name">${escapeHtml(field.name)}</span>: <span class="field-value">${escapeHtml(field.value)}</span>` +
        (field.meaning ? ` <span class="field-meaning">${escapeHtml(field.meaning)}</span>` : "");
      if (field.children?.length) {
        const details = document.createElement("details");
        details.open = true;
        const summary = document.createElement("summary");
        summary.append(row);
        details.append(summary, this.fieldTree(field.children));
        item.append(details);
      } else {
        item.append(row);
      }
      if (field.offset !== undefined) this.track(row, field.offset, field.length ?? 1);
      list.append(item);
    }
    return list;
  }

  /** Links an element to bytes [start, start+length): hovering lights them, clicking keeps them lit. */
  private track(element: HTMLElement, start: number, length: number): void {
    const span = { start, end: start + Math.max(1, length), element };
    this.spans.push(span);
    element.addEventListener("mouseenter", () => this.light(span));
    element.addEventListener("mouseleave", () => this.light(null));
    element.addEventListener("focus", () => this.light(span));
    element.addEventListener("click", (e) => {
      if (element.tagName !== "SUMMARY") e.preventDefault();
      this.selected?.classList.remove("selected");
      this.selected = element;
      element.classList.add("selected");
      this.light(span);
    });
  }

  /** The innermost field holding a byte: the shortest span that covers it. */
  private hoverByte(offset: number, reveal: boolean): void {
    let best: FieldSpan | null = null;
    for (const span of this.spans) {
      if (
        offset >= span.start &&
        offset < span.end &&
        (!best || span.end - span.start < best.end - best.start)
      )
        best = span;
    }
    this.light(best, reveal);
  }

  private light(span: FieldSpan | null, reveal = false): void {
    for (const el of this.root.querySelectorAll(".lit")) el.classList.remove("lit");
    const shown =
      span ?? (this.selected ? (this.spans.find((s) => s.element === this.selected) ?? null) : null);
    if (!shown) return;
    shown.element.classList.add("lit");
    if (reveal) shown.element.scrollIntoView({ block: "nearest" });
    // The first lit byte comes into view in the dump (which scrolls on its own).
    const first = this.byteElements[shown.start];
    if (first && !reveal) {
      const dump = first.closest(".hexdump") as HTMLElement;
      const top = first.offsetTop - dump.offsetTop;
      if (top < dump.scrollTop || top > dump.scrollTop + dump.clientHeight - 16)
        dump.scrollTop = Math.max(0, top - 16);
    }
    for (let i = shown.start; i < shown.end && i < this.byteElements.length; i++) {
      this.byteElements[i].classList.add("lit");
      this.byteElements[i]
        .parentElement!.querySelector(`.hex-char[data-offset="${i}"]`)
        ?.classList.add("lit");
    }
  }
}

function heading(text: string): HTMLElement {
  const h = document.createElement("h3");
  h.textContent = text;
  return h;
}

export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >>> 1);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.substr(i * 2, 2), 16);
  return out;
}
