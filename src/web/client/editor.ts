/**
 * Editing the lab from the page: a link's impairments (the same words as a topology file: rate,
 * delay, jitter, loss, ...), taking a link down or up, adding a host to a switch or router, and the
 * downloads (the capture as pcapng for Wireshark, the lab as a topology file).
 */
import { IMPAIRMENT_NUMBER_FIELDS, IMPAIRMENT_TEXT_FIELDS, type LinkImpairmentsText } from "../protocol.js";
import type { LabConnection } from "./connection.js";
import { escapeHtml } from "./graph.js";
import type { LabLink, LabNode } from "./model.js";

const HINTS: Record<string, string> = {
  rate: "100Mbit",
  delay: "20ms",
  jitter: "5ms",
  loss: "1%",
  duplicate: "0.1%",
  reorder: "25%",
  corrupt: "0.1%",
  mtu: "1500",
  queue: "100",
};

export class Editor {
  private readonly linkForm: HTMLFormElement;
  private readonly linkTitle: HTMLElement;
  private readonly linkState: HTMLButtonElement;
  private readonly status: HTMLElement;
  private readonly attach: HTMLSelectElement;
  private link: LabLink | null = null;

  constructor(
    root: HTMLElement,
    private readonly connection: LabConnection,
    private readonly links: () => readonly LabLink[],
  ) {
    const fields = [...IMPAIRMENT_TEXT_FIELDS, ...IMPAIRMENT_NUMBER_FIELDS]
      .map(
        (f) =>
          `<label>${f}<input name="${f}" placeholder="${HINTS[f]}" ${
            (IMPAIRMENT_NUMBER_FIELDS as readonly string[]).includes(f) ? 'inputmode="numeric"' : ""
          } autocomplete="off"></label>`,
      )
      .join("");
    root.innerHTML = `
      <section>
        <h3>Link</h3>
        <label class="wide">Link <select class="link-chooser" aria-label="Link to edit"></select></label>
        <p class="link-title dim">Pick a link in the graph or here.</p>
        <form class="link-form">${fields}
          <div class="buttons"><button type="submit">Apply impairments</button>
          <button type="button" class="link-state">Take link down</button></div>
        </form>
      </section>
      <section>
        <h3>Add a host</h3>
        <form class="host-form">
          <label>Name <input name="name" required pattern="[A-Za-z][A-Za-z0-9_\\-]*" maxlength="64" placeholder="guest"></label>
          <label>Attach to <select name="attach" class="attach-chooser"></select></label>
          <div class="buttons"><button type="submit">Add host</button></div>
        </form>
        <p class="dim">The new host gets an address from the subnet of the switch or router port it joins.</p>
      </section>
      <section>
        <h3>Downloads</h3>
        <div class="buttons">
          <a class="button" href="/capture.pcapng" download="capture.pcapng">Capture (pcapng)</a>
          <a class="button" href="/topology.yml" download="topology.yml">Topology (YAML)</a>
        </div>
        <p class="dim">Open the capture in Wireshark; run the topology with <code>tinkernet run</code>.</p>
      </section>
      <p class="edit-status" role="status"></p>`;
    this.linkForm = root.querySelector(".link-form")!;
    this.linkTitle = root.querySelector(".link-title")!;
    this.linkState = root.querySelector(".link-state")!;
    this.status = root.querySelector(".edit-status")!;
    this.attach = root.querySelector(".attach-chooser")!;
    const chooser = root.querySelector<HTMLSelectElement>(".link-chooser")!;
    chooser.addEventListener("change", () => this.select(chooser.value));
    this.linkForm.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.apply();
    });
    this.linkState.addEventListener("click", () => void this.toggle());
    root.querySelector<HTMLFormElement>(".host-form")!.addEventListener("submit", (e) => {
      e.preventDefault();
      const form = e.target as HTMLFormElement;
      void this.addHost(form);
    });
  }

  /** The lab changed: refresh the choosers (and the link being edited). */
  setLab(nodes: readonly LabNode[], links: readonly LabLink[]): void {
    const chooser = this.linkForm.parentElement!.querySelector<HTMLSelectElement>(".link-chooser")!;
    const current = chooser.value;
    chooser.replaceChildren(
      new Option("—", ""),
      ...links.map((l) => new Option(`${l.a.node}:${l.a.iface} — ${l.b.node}:${l.b.iface}`, l.id)),
    );
    chooser.value = links.some((l) => l.id === current) ? current : "";
    const attachable = nodes.filter((n) => n.kind === "switch" || n.kind === "router" || n.kind === "nat");
    const attach = this.attach.value;
    this.attach.replaceChildren(...attachable.map((n) => new Option(`${n.name} (${n.kind})`, n.name)));
    if (attachable.some((n) => n.name === attach)) this.attach.value = attach;
    if (this.link) this.select(this.link.id);
  }

  select(id: string): void {
    const link = this.links().find((l) => l.id === id) ?? null;
    this.link = link;
    const chooser = this.linkForm.parentElement!.querySelector<HTMLSelectElement>(".link-chooser")!;
    chooser.value = link?.id ?? "";
    if (!link) {
      this.linkTitle.textContent = "Pick a link in the graph or here.";
      return;
    }
    this.linkTitle.innerHTML =
      `<b>${escapeHtml(link.a.node)}:${escapeHtml(link.a.iface)} — ${escapeHtml(link.b.node)}:${escapeHtml(link.b.iface)}</b> ` +
      `<span class="${link.up ? "ok" : "bad"}">${link.up ? "up" : "down"}</span>`;
    for (const f of [...IMPAIRMENT_TEXT_FIELDS, ...IMPAIRMENT_NUMBER_FIELDS]) {
      const input = this.linkForm.elements.namedItem(f) as HTMLInputElement;
      const value = link.impairments[f];
      input.value = value === undefined ? "" : String(value);
    }
    this.linkState.textContent = link.up ? "Take link down" : "Bring link up";
  }

  private say(text: string, bad = false): void {
    this.status.textContent = text;
    this.status.className = `edit-status ${bad ? "bad" : "ok"}`;
  }

  private async apply(): Promise<void> {
    if (!this.link) {
      this.say("Pick a link first.", true);
      return;
    }
    const impairments: LinkImpairmentsText = {};
    for (const f of IMPAIRMENT_TEXT_FIELDS) {
      const value = (this.linkForm.elements.namedItem(f) as HTMLInputElement).value.trim();
      // An emptied field resets that impairment ("" means "back to the default").
      if (value !== "" || this.link.impairments[f] !== undefined) impairments[f] = value;
    }
    for (const f of IMPAIRMENT_NUMBER_FIELDS) {
      const text = (this.linkForm.elements.namedItem(f) as HTMLInputElement).value.trim();
      if (text === "") continue;
      const value = Number(text);
      if (!Number.isInteger(value)) {
        this.say(`${f} must be a whole number`, true);
        return;
      }
      impairments[f] = value;
    }
    try {
      await this.connection.request({ type: "edit-link", link: this.link.id, impairments });
      this.say("Impairments applied.");
    } catch (error) {
      this.say((error as Error).message, true);
    }
  }

  private async toggle(): Promise<void> {
    if (!this.link) {
      this.say("Pick a link first.", true);
      return;
    }
    const up = !this.link.up;
    try {
      await this.connection.request({ type: "link-state", link: this.link.id, up });
      this.say(up ? "Link up." : "Link down.");
    } catch (error) {
      this.say((error as Error).message, true);
    }
  }

  private async addHost(form: HTMLFormElement): Promise<void> {
    const name = (form.elements.namedItem("name") as HTMLInputElement).value.trim();
    const node = this.attach.value;
    if (!name || !node) {
      this.say("Give the host a name and a place to attach.", true);
      return;
    }
    try {
      await this.connection.request({ type: "add-host", name, attachTo: { node } });
      this.say(`Host ${name} added to ${node}.`);
      form.reset();
    } catch (error) {
      this.say((error as Error).message, true);
    }
  }
}
