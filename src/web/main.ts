import type { Upload } from "./lib/types"; export const x: Upload | null = null; document.title;
