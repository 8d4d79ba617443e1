/**
 * The switch's state the way network engineers are used to reading it: Cisco IOS's
 * `show mac address-table` and `show interfaces counters`.
 */
import { MacAddress } from "../wire/address/mac.js";
import type { Switch, SwitchDropReason } from "./switch.js";

/** `show mac address-table [vlan N] [interface X] [address M] [dynamic|static]`. */
export interface MacTableFilter {
  vlan?: number;
  /** Port name. */
  interface?: string;
  /** The address, as a MacAddress, its 48-bit value, or text in either `aa:bb:..` or `aabb.cc..` form. */
  address?: MacAddress | number | string;
  type?: "dynamic" | "static";
}

/** A MAC address in Cisco's dotted form: three groups of four hex digits, `0200.0000.0001`. */
export function ciscoMac(mac: number): string {
  const hex = mac.toString(16).padStart(12, "0");
  return `${hex.slice(0, 4)}.${hex.slice(4, 8)}.${hex.slice(8, 12)}`;
}

/**
 * ```
 *           Mac Address Table
 * -------------------------------------------
 *
 * Vlan    Mac Address       Type        Ports
 * ----    -----------       --------    -----
 *    1    0200.0000.0001    DYNAMIC     eth1
 * Total Mac Addresses for this criterion: 1
 * ```
 */
export function showMacAddressTable(sw: Switch, filter: MacTableFilter = {}): string {
  const address = filter.address === undefined ? undefined : macValue(filter.address);
  const rows = sw.macTable
    .entries(sw.scheduler.now)
    .filter(
      (entry) =>
        (filter.vlan === undefined || entry.vlan === filter.vlan) &&
        (filter.interface === undefined || entry.port.name === filter.interface) &&
        (address === undefined || entry.mac === address) &&
        (filter.type === undefined || entry.isStatic === (filter.type === "static")),
    );
  const lines = [
    "          Mac Address Table",
    "-------------------------------------------",
    "",
    "Vlan    Mac Address       Type        Ports",
    "----    -----------       --------    -----",
  ];
  for (const entry of rows) {
    const type = entry.isStatic ? "STATIC" : "DYNAMIC";
    lines.push(
      `${String(entry.vlan).padStart(4)}    ${ciscoMac(entry.mac)}    ${type.padEnd(8)}    ${entry.port.name}`,
    );
  }
  lines.push(`Total Mac Addresses for this criterion: ${rows.length}`);
  return `${lines.join("\n")}\n`;
}

/**
 * Cisco's `show interfaces counters`: octets and unicast/multicast/broadcast frames in and out of
 * each port. With `errors`, a third table gives the switch's own drop reasons (not Cisco's
 * PHY-level error columns, which an emulated wire cannot have) and flooding.
 */
export function showInterfacesCounters(sw: Switch, options: { errors?: boolean } = {}): string {
  const width = Math.max(10, ...sw.ports.map((port) => port.name.length + 2));
  const table = (headers: string[], rows: [string, number[]][]): string[] => [
    "",
    `${"Port".padEnd(width)}${headers.map((h) => h.padStart(15)).join("")}`,
    ...rows.map(
      ([name, values]) => `${name.padEnd(width)}${values.map((v) => String(v).padStart(15)).join("")}`,
    ),
  ];
  const lines = [
    ...table(
      ["InOctets", "InUcastPkts", "InMcastPkts", "InBcastPkts"],
      sw.ports.map((port) => {
        const c = port.counters;
        return [port.name, [c.rxBytes, c.rxUnicast, c.rxMulticast, c.rxBroadcast]];
      }),
    ),
    ...table(
      ["OutOctets", "OutUcastPkts", "OutMcastPkts", "OutBcastPkts"],
      sw.ports.map((port) => {
        const c = port.counters;
        return [port.name, [c.txBytes, c.txUnicast, c.txMulticast, c.txBroadcast]];
      }),
    ),
  ];
  if (options.errors) {
    const reasons: [string, SwitchDropReason][] = [
      ["Malformed", "malformed"],
      ["BadSource", "invalid-source"],
      ["VlanDenied", "vlan-not-allowed"],
      ["Reserved", "reserved-address"],
      ["TxRefused", "tx-refused"],
    ];
    lines.push(
      ...table(
        [...reasons.map(([header]) => header), "Filtered", "Flooded"],
        sw.ports.map((port) => {
          const c = port.counters;
          return [port.name, [...reasons.map(([, reason]) => c.drops[reason]), c.filtered, c.flooded]];
        }),
      ),
    );
  }
  return `${lines.join("\n")}\n`;
}

function macValue(address: MacAddress | number | string): number {
  if (typeof address === "number") return address;
  if (address instanceof MacAddress) return address.value;
  const dotted = /^([0-9a-f]{4})\.([0-9a-f]{4})\.([0-9a-f]{4})$/i.exec(address.trim());
  if (dotted) return Number.parseInt(dotted[1] + dotted[2] + dotted[3], 16);
  return MacAddress.parse(address).value;
}
