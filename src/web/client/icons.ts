/**
 * Device icons for the topology graph, one per node kind, drawn the way network diagrams draw them
 * (a router is a disc with arrows, a switch a box with crossing arrows, a host a screen...). Each is
 * a small inline SVG turned into a data URI, so the page needs no image files and works offline.
 */

const svg = (body: string, background: string) =>
  `data:image/svg+xml;utf8,${encodeURIComponent(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">` +
      `<rect x="1" y="1" width="62" height="62" rx="14" fill="${background}"/>${body}</svg>`,
  )}`;

const W = `fill="none" stroke="#fff" stroke-width="3.5" stroke-linecap="round" stroke-linejoin="round"`;

/** A disc with four arrows, two in and two out: the classic router symbol. */
const router = svg(
  `<ellipse cx="32" cy="32" rx="22" ry="22" ${W}/>` +
    `<path d="M22 26h20m-5-5 5 5-5 5M42 38H22m5-5-5 5 5 5" ${W}/>`,
  "#1f6feb",
);

/** The router symbol with a fence of dots: addresses are translated here. */
const nat = svg(
  `<ellipse cx="32" cy="32" rx="22" ry="22" ${W}/>` +
    `<path d="M20 26h24m-5-5 5 5-5 5M44 38H20m5-5-5 5 5 5" ${W}/>` +
    `<path d="M32 12v40" stroke="#ffd33d" stroke-width="3" stroke-dasharray="3 4"/>`,
  "#8250df",
);

/** A flat box with crossing arrows: a switch forwards frames between its ports. */
const switchIcon = svg(
  `<rect x="8" y="18" width="48" height="28" rx="4" ${W}/>` +
    `<path d="M16 27h32m-5-4 5 4-5 4M48 37H16m5-4-5 4 5 4" ${W}/>`,
  "#1a7f37",
);

/** A screen on a stand. */
const host = svg(
  `<rect x="12" y="14" width="40" height="28" rx="3" ${W}/><path d="M32 42v8M22 51h20" ${W}/>`,
  "#57606a",
);

/** A rack of three units with status lights. */
const server = svg(
  `<rect x="16" y="10" width="32" height="44" rx="3" ${W}/><path d="M16 24h32M16 38h32" ${W}/>` +
    `<circle cx="23" cy="17" r="2" fill="#7ee787"/><circle cx="23" cy="31" r="2" fill="#7ee787"/>` +
    `<circle cx="23" cy="45" r="2" fill="#7ee787"/>`,
  "#bc4c00",
);

/** A plug: something outside the lab (a TAP device, the host's kernel). */
const external = svg(`<path d="M24 12v12M40 12v12M18 24h28v10a14 14 0 0 1-28 0zM32 48v8" ${W}/>`, "#6e7781");

const ICONS: Record<string, string> = { router, nat, switch: switchIcon, host, server };

/** The icon for a node kind (a plug for a kind it does not know). */
export function iconFor(kind: string): string {
  return ICONS[kind] ?? external;
}

/** Kinds with their own icon, for the legend. */
export const ICON_KINDS = Object.keys(ICONS);
