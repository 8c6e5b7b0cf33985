import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** The fields of a package.json this tool reads. */
export interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly exports?: Record<string, unknown>;
  readonly publishConfig?: { readonly exports?: Record<string, unknown> };
  readonly repository?: { readonly url?: string; readonly directory?: string };
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly scripts?: Record<string, string>;
}

export interface WorkspacePackage {
  readonly dir: string;
  /** `message` for `packages/message`. */
  readonly folder: string;
  readonly manifest: Manifest;
}

export async function readManifest(dir: string): Promise<Manifest> {
  return JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as Manifest;
}

/** The directories under `packages/` or `apps/` that hold a package.json, by folder name. */
async function listUnder(parent: string): Promise<WorkspacePackage[]> {
  const found: WorkspacePackage[] = [];
  for (const entry of await readdir(join(ROOT, parent), { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(ROOT, parent, entry.name);
    try {
      found.push({ dir, folder: entry.name, manifest: await readManifest(dir) });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
  return found.sort((a, b) => a.folder.localeCompare(b.folder));
}

/** Every package published to npm: `packages/*` that are not private. */
export async function publishedPackages(): Promise<WorkspacePackage[]> {
  return (await listUnder("packages")).filter((p) => p.manifest.private !== true);
}

/** The example apps, the templates users copy. */
export async function apps(): Promise<WorkspacePackage[]> {
  return listUnder("apps");
}

/** `@x/queue-file` -> `x-queue-file-0.1.0.tgz`, the name `pnpm pack` gives the tarball. */
export function tarballName(manifest: Manifest): string {
  return `${manifest.name.replace(/^@/, "").replace("/", "-")}-${manifest.version}.tgz`;
}

/** `git+https://github.com/x/x.git` -> `https://github.com/x/x`. */
export function repositoryWebUrl(manifest: Manifest): string {
  const url = manifest.repository?.url ?? "";
  return url.replace(/^git\+/, "").replace(/\.git$/, "");
}
