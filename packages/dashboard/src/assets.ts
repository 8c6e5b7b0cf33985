import { readFile } from "node:fs/promises";

/** Files of the page, shipped in the package's `assets/` folder; nothing else is ever served. */
export const ASSET_TYPES: Readonly<Record<string, string>> = {
  "index.html": "text/html; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "plot.js": "text/javascript; charset=utf-8",
  "render.js": "text/javascript; charset=utf-8",
  "style.css": "text/css; charset=utf-8",
  "favicon.svg": "image/svg+xml",
};

// `src/` and `dist/` are both one level below the package root, where `assets/` lives.
const ASSET_DIR = new URL("../assets/", import.meta.url);

/** Reads the page's files once, on the first request. */
export class Assets {
  #files: Promise<Map<string, Uint8Array>> | undefined;

  get(name: string): Promise<Uint8Array | undefined> {
    this.#files ??= load();
    return this.#files.then((files) => files.get(name));
  }
}

async function load(): Promise<Map<string, Uint8Array>> {
  const entries = await Promise.all(
    Object.keys(ASSET_TYPES).map(async (name) => [name, new Uint8Array(await readFile(new URL(name, ASSET_DIR)))] as const),
  );
  return new Map(entries);
}
