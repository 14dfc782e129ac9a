// What main.ts hands each page: the signed-in claims and the element to render into. Its own
// module so the pages need not import main.ts (which imports them).
import type { Claims } from "./session";

export type PageContext = { claims: Claims; root: HTMLElement };
