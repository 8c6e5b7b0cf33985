/**
 * The publishing check (`pnpm --filter @x/templates templates`, part of `pnpm check`): what a
 * user gets from npm, tried the way a user would, outside the repository.
 *
 * 1. Packs every published package with `pnpm pack` (so `workspace:` ranges and
 *    `publishConfig.exports` are applied as they will be on npm).
 * 2. Checks each tarball: LICENSE, exports that name no sources and no `@x/source` condition,
 *    every exported file present, source maps whose sources ship, and attw (ESM-only profile).
 * 3. Installs each tarball alone with npm and measures what a user gets (packages, size); the
 *    README's "Install size" line must match.
 * 4. Type-checks every entry point of every package with the minimum TypeScript its README states
 *    (and with the version before it, which must fail: the stated minimum is the real one).
 * 5. Copies each app to a temporary directory, installs it with npm from the tarballs, builds it,
 *    runs its start command and its tests.
 *
 * `X_TEMPLATES_KEEP=1` keeps the temporary directory for a look after a failure.
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer as createHttpServer } from "node:http";
import { createServer as createTcpServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { startNatsServer } from "@x/test-servers";
import { eachLimited, must, type Ran, run, userEnv } from "./proc.js";
import { statedInstallSize, statedTypeScriptMinimum } from "./readme.js";
import { apps, type Manifest, publishedPackages, ROOT, readManifest, tarballName, type WorkspacePackage } from "./workspace.js";

/** npm flags for every install: the cache first (CI time), no audit or funding noise. */
const NPM_INSTALL = ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"];
/** Two cores shared with other work: more parallel installs only thrash. */
const PARALLEL = 2;
/** A README's install size may drift this far (code grows) before the check asks for an update. */
const SIZE_TOLERANCE = 0.3;
/** TypeScript minors in order; 4.7 is the first with `node16`/`nodenext`, which exports maps need. */
const TS_MINORS = ["4.7", "4.8", "4.9", "5.0", "5.1", "5.2", "5.3", "5.4", "5.5", "5.6", "5.7", "5.8", "5.9", "6.0"];
/** What the apps and the type check install besides our tarballs: the repository's pins. */
const TYPES_NODE = "20.19.43";

interface Packed extends WorkspacePackage {
  readonly tarball: string;
  /** The manifest inside the tarball: what npm users get. */
  readonly published: Manifest;
  readonly unpacked: string;
}

const failures: string[] = [];

function fail(message: string): void {
  failures.push(message);
  console.error(`  FAIL ${message}`);
}

async function step<T>(title: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  console.log(`==> ${title}`);
  const result = await work();
  console.log(`    ${title}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Every string leaf of an exports map: the files it points at. */
function exportTargets(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(exportTargets);
  return [];
}

/** Every condition name used anywhere in an exports map. */
function exportConditions(value: unknown): string[] {
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, inner]) => [key, ...exportConditions(inner)]);
}

/** `overrides` that make npm take every @x package from its tarball, even as a dependency of another. */
function tarballOverrides(packed: readonly Packed[], direct: ReadonlySet<string>): Record<string, string> {
  // npm refuses an override that differs from a direct dependency's spec; `$name` means "the same".
  return Object.fromEntries(
    packed.map((p) => [p.manifest.name, direct.has(p.manifest.name) ? `$${p.manifest.name}` : `file:${p.tarball}`]),
  );
}

async function pack(packages: readonly WorkspacePackage[], into: string): Promise<Packed[]> {
  await mkdir(into, { recursive: true });
  return eachLimited(packages, PARALLEL, async (pkg) => {
    for (const entry of exportTargets(pkg.manifest.publishConfig?.exports ?? pkg.manifest.exports)) {
      if (entry.startsWith("./dist/") && !(await exists(join(pkg.dir, entry)))) {
        throw new Error(`${pkg.manifest.name}: ${entry} is missing; build first (turbo runs this check after ^build)`);
      }
    }
    await must("pnpm", ["pack", "--pack-destination", into], { cwd: pkg.dir, env: process.env });
    const tarball = join(into, tarballName(pkg.manifest));
    const unpacked = join(into, "unpacked", pkg.folder);
    await mkdir(unpacked, { recursive: true });
    await must("tar", ["-xzf", tarball, "-C", unpacked], { cwd: into });
    const published = await readManifest(join(unpacked, "package"));
    return { ...pkg, tarball, published, unpacked: join(unpacked, "package") };
  });
}

async function inspect(packed: readonly Packed[]): Promise<void> {
  const license = await readFile(join(ROOT, "LICENSE"), "utf8");
  for (const p of packed) {
    const name = p.manifest.name;
    const shipped = await readFile(join(p.unpacked, "LICENSE"), "utf8").catch(() => null);
    if (shipped !== license) fail(`${name}: the tarball's LICENSE ${shipped === null ? "is missing" : "differs from the root LICENSE"}`);
    if (!(await exists(join(p.unpacked, "README.md")))) fail(`${name}: the tarball has no README.md`);
    const exportsMap = p.published.exports ?? {};
    if (exportConditions(exportsMap).includes("@x/source")) {
      fail(`${name}: the published exports keep the @x/source condition (set publishConfig.exports)`);
    }
    for (const target of exportTargets(exportsMap)) {
      if (target.startsWith("./src/") || (target.endsWith(".ts") && !target.endsWith(".d.ts")))
        fail(`${name}: the published exports point at a source file, ${target}`);
      if (!(await exists(join(p.unpacked, target)))) fail(`${name}: the published exports name ${target}, which the tarball lacks`);
    }
    for (const field of ["dependencies", "peerDependencies", "optionalDependencies"] as const) {
      for (const [dep, range] of Object.entries(p.published[field] ?? {})) {
        if (range.startsWith("workspace:")) fail(`${name}: ${field}.${dep} is still ${range} in the tarball`);
      }
    }
    // Source maps stay useful only if the sources they name ship too (`files` keeps src/).
    for (const file of (await filesUnder(p.unpacked)).filter((f) => f.endsWith(".map"))) {
      const map = JSON.parse(await readFile(file, "utf8")) as { sources?: string[] };
      for (const source of map.sources ?? []) {
        if (!(await exists(resolve(dirname(file), source)))) {
          fail(`${name}: ${relative(p.unpacked, file)} names ${source}, which the tarball lacks`);
        }
      }
    }
  }
}

async function attw(packed: readonly Packed[]): Promise<void> {
  const bin = join(ROOT, "tools/templates/node_modules/.bin/attw");
  await eachLimited(packed, PARALLEL, async (p) => {
    const ran = await run(bin, [p.tarball, "--profile", "esm-only", "--format", "ascii"], { cwd: dirname(p.tarball), env: process.env });
    if (ran.code === 0) console.log(`    ${p.manifest.name}: no problems`);
    else fail(`${p.manifest.name}: attw found problems\n${ran.stdout}${ran.stderr}`);
  });
}

interface InstallSize {
  readonly packages: number;
  readonly bytes: number;
}

/** Packages under a node_modules tree (nested ones included) and the bytes of their files. */
async function measure(nodeModules: string): Promise<InstallSize> {
  let packages = 0;
  let bytes = 0;
  for (const entry of await readdir(nodeModules, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const inTree = relative(nodeModules, path);
    if (inTree === ".package-lock.json") continue; // npm's bookkeeping, not something installed
    bytes += (await stat(path)).size;
    // A package is a package.json right below node_modules/<name> or node_modules/@scope/<name>.
    if (entry.name === "package.json" && /(^|\/)node_modules\/(@[^/]+\/)?[^/@][^/]*$/.test(`node_modules/${dirname(inTree)}`)) packages++;
  }
  return { packages, bytes };
}

function formatSize(bytes: number): string {
  return bytes >= 1_000_000 ? `${(bytes / 1_000_000).toFixed(1)} MB` : `${Math.round(bytes / 1_000)} kB`;
}

function parseSize(text: string): number {
  const [value = "0", unit] = text.split(" ");
  return Number(value) * (unit === "MB" ? 1_000_000 : 1_000);
}

async function installSizes(packed: readonly Packed[], work: string): Promise<Map<string, InstallSize>> {
  const sizes = new Map<string, InstallSize>();
  await eachLimited(packed, PARALLEL, async (p) => {
    const dir = join(work, "size", p.folder);
    await mkdir(dir, { recursive: true });
    const manifest = {
      name: "install-size",
      private: true,
      dependencies: { [p.manifest.name]: `file:${p.tarball}` },
      overrides: tarballOverrides(packed, new Set([p.manifest.name])),
    };
    await writeFile(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    await must("npm", NPM_INSTALL, { cwd: dir });
    sizes.set(p.manifest.name, await measure(join(dir, "node_modules")));
  });
  for (const p of packed) {
    const size = sizes.get(p.manifest.name);
    if (size === undefined) continue;
    const line = `Install size: ${size.packages} ${size.packages === 1 ? "package" : "packages"}, ${formatSize(size.bytes)}`;
    const stated = statedInstallSize(await readFile(join(p.dir, "README.md"), "utf8"));
    console.log(`    ${p.manifest.name.padEnd(20)} ${String(size.packages).padStart(3)} packages ${formatSize(size.bytes).padStart(8)}`);
    if (stated === null) fail(`${p.manifest.name}: the README has no "Install size" line; measured: "${line}"`);
    else if (stated.packages !== size.packages || Math.abs(parseSize(stated.size) - size.bytes) > SIZE_TOLERANCE * size.bytes) {
      fail(
        `${p.manifest.name}: the README says "Install size: ${stated.packages} (packages), ${stated.size}"; measured: "${line}"; update the README`,
      );
    }
  }
  return sizes;
}

async function typescriptMinimums(packed: readonly Packed[], work: string): Promise<void> {
  const dir = join(work, "types");
  await mkdir(dir, { recursive: true });
  const plans: { pkg: Packed; min: string; below: string | undefined }[] = [];
  for (const pkg of packed) {
    const min = statedTypeScriptMinimum(await readFile(join(pkg.dir, "README.md"), "utf8"));
    const index = min === null ? -1 : TS_MINORS.indexOf(min);
    if (min === null || index < 0) {
      fail(`${pkg.manifest.name}: the README states no minimum TypeScript ("TypeScript >= X.Y", one of ${TS_MINORS.join(", ")})`);
      continue;
    }
    // Below 4.7 there is no `nodenext` to resolve an exports map with: nothing to prove there.
    plans.push({ pkg, min, below: TS_MINORS[index - 1] });
  }
  const versions = new Set(plans.flatMap((plan) => (plan.below === undefined ? [plan.min] : [plan.min, plan.below])));
  const direct = new Set(packed.map((p) => p.manifest.name));
  const wantsVitest = packed.some((p) => p.published.peerDependencies?.vitest !== undefined);
  const wantsOpenTelemetry = packed.some((p) => p.published.peerDependencies?.["@opentelemetry/api"] !== undefined);
  const manifest = {
    name: "types-check",
    private: true,
    type: "module",
    dependencies: Object.fromEntries(packed.map((p) => [p.manifest.name, `file:${p.tarball}`])),
    devDependencies: {
      "@types/node": TYPES_NODE,
      // For the `./testing` entry points, whose types import vitest (an optional peer).
      ...(wantsVitest ? { vitest: "4.1.12" } : {}),
      // For the packages that trace, whose types name the API's (an optional peer they load lazily).
      ...(wantsOpenTelemetry ? { "@opentelemetry/api": "1.9.1" } : {}),
      ...Object.fromEntries([...versions].map((v) => [`typescript-${v}`, `npm:typescript@~${v}.0`])),
    },
    overrides: tarballOverrides(packed, direct),
  };
  await writeFile(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  await must("npm", NPM_INSTALL, { cwd: dir });

  for (const { pkg } of plans) {
    const entries = Object.keys(pkg.published.exports ?? {}).filter((key) => !key.endsWith(".json"));
    const specifiers = entries.map((key) => (key === "." ? pkg.manifest.name : `${pkg.manifest.name}/${key.replace(/^\.\//, "")}`));
    // Every entry point, and a use of each so nothing is elided: the user's view of the .d.ts.
    const source = specifiers.map((s, i) => `import * as entry${i} from "${s}";`).join("\n");
    await writeFile(
      join(dir, `${pkg.folder}.ts`),
      `${source}\nexport const entries = [${specifiers.map((_, i) => `entry${i}`).join(", ")}];\n`,
    );
    const tsconfig = {
      compilerOptions: {
        target: "ES2022",
        lib: ["ES2022"],
        module: "NodeNext",
        moduleResolution: "NodeNext",
        types: ["node"],
        strict: true,
        noEmit: true,
        // Off, so errors inside our .d.ts show; with it on an old TypeScript quietly degrades the types to any.
        skipLibCheck: false,
      },
      files: [`${pkg.folder}.ts`],
    };
    await writeFile(join(dir, `tsconfig.${pkg.folder}.json`), `${JSON.stringify(tsconfig, null, 2)}\n`);
  }
  const tsc = async (version: string, files: readonly string[]): Promise<Ran> => {
    const config = join(dir, `tsconfig.${version}.${files.length === 1 ? (files[0] ?? "") : "all"}.json`);
    const base = JSON.parse(await readFile(join(dir, `tsconfig.${plans[0]?.pkg.folder ?? ""}.json`), "utf8")) as object;
    await writeFile(config, JSON.stringify({ ...base, files: files.map((f) => `${f}.ts`) }));
    return run(process.execPath, [join(dir, "node_modules", `typescript-${version}`, "bin", "tsc"), "-p", config], { cwd: dir });
  };
  // Every package at its stated minimum, one program per version (each tsc run checks all of
  // @types/node again: one run per package took minutes in all); a failure is then narrowed down.
  const byMinimum = new Map<string, typeof plans>();
  for (const plan of plans) byMinimum.set(plan.min, [...(byMinimum.get(plan.min) ?? []), plan]);
  const passes = [...byMinimum].map(([version, group]) => async () => {
    const ran = await tsc(
      version,
      group.map((plan) => plan.pkg.folder),
    );
    if (ran.code === 0) {
      for (const { pkg } of group) console.log(`    ${pkg.manifest.name}: compiles with TypeScript ${version}`);
      return;
    }
    for (const { pkg } of group) {
      const alone = group.length === 1 ? ran : await tsc(version, [pkg.folder]);
      if (alone.code !== 0)
        fail(`${pkg.manifest.name}: its types do not compile with TypeScript ${version}, the minimum its README states\n${alone.stdout}`);
    }
  });
  // And each with the version before its minimum, which must fail: the stated minimum is the real one.
  const belows = plans.flatMap(({ pkg, below }) =>
    below === undefined
      ? []
      : [
          async () => {
            const ran = await tsc(below, [pkg.folder]);
            if (ran.code !== 0) console.log(`    ${pkg.manifest.name}: fails with TypeScript ${below}, as expected`);
            else fail(`${pkg.manifest.name}: its types compile with TypeScript ${below} too: lower the minimum its README states`);
          },
        ],
  );
  await eachLimited([...passes, ...belows], PARALLEL, async (job) => job());
}

async function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** How each app's start command is tried: what it needs around it and what it must print. */
const START: Record<string, (dir: string) => Promise<void>> = {
  jobs: async (dir) => {
    const ran = await must("npm", ["start", "--silent"], { cwd: dir, timeoutMs: 120_000 });
    if (!ran.stdout.includes("demo: every job ended as expected")) fail(`apps/jobs: npm start did not end as expected\n${ran.stdout}`);
  },
  probe: async (dir) => {
    const http = createHttpServer((_req, res) => res.end("ok"));
    const tcp = createTcpServer((socket) => socket.end());
    try {
      const env = userEnv({
        PROBE_HTTP_URL: `http://127.0.0.1:${await listen(http)}/health`,
        PROBE_TCP_ADDRESS: `127.0.0.1:${await listen(tcp)}`,
        // Thresholds no real disk reaches, so the machine's own disk cannot fail the check.
        PROBE_DISK_WARN: "100",
        PROBE_DISK_CRIT: "100",
      });
      const ran = await must("npm", ["start", "--silent", "--", "--once"], { cwd: dir, env, timeoutMs: 120_000 });
      const states = ran.stdout
        .trim()
        .split("\n")
        .map((line) => {
          const message = JSON.parse(line) as { event: { name: string; state?: { value: string } } };
          return `${message.event.name}=${message.event.state?.value ?? "-"}`;
        });
      // Four checks, and the disk plugin's verdict after its metric message.
      if (!states.includes("web=ok") || !states.includes("database=ok") || !states.includes("disk=ok") || states.length !== 5) {
        fail(`apps/probe: npm start -- --once printed ${states.join(", ")}`);
      }
    } finally {
      http.close();
      tcp.close();
    }
  },
  dashboard: async (dir) => {
    await using nats = await startNatsServer();
    const env = userEnv({ NATS_URL: nats.url, PORT: "0" });
    const ran = await must("npm", ["start", "--silent", "--", "--run-for", "8000"], { cwd: dir, env, timeoutMs: 120_000 });
    if (
      !ran.stdout.includes("processes: 6 (") ||
      !ran.stdout.includes("checks: 2") ||
      !ran.stdout.includes("streams: dead-letters, parcel-sent")
    ) {
      fail(`apps/dashboard: npm start -- --run-for 8000 did not show every source\n${ran.stdout}`);
    }
  },
  webshop: async (dir) => {
    await using nats = await startNatsServer();
    const ran = await must("npm", ["start", "--silent"], { cwd: dir, env: userEnv({ NATS_URL: nats.url }), timeoutMs: 120_000 });
    const lines = ran.stdout.trim().split("\n");
    if (lines.filter((l) => l.startsWith("email to ")).length !== 3 || lines.filter((l) => l.startsWith("sms to ")).length !== 3) {
      fail(`apps/webshop: npm start did not tell three customers by email and SMS\n${ran.stdout}`);
    }
  },
};

/** What a copied app must not reference: it has to stand on its own. */
const REPOSITORY_ONLY = [/workspace:/, /@x\/test-servers/, /\.\.\/\.\.\//, /@x\/source/];

async function installApp(app: WorkspacePackage, packed: readonly Packed[], work: string): Promise<string> {
  const dir = join(work, "apps", app.folder);
  await cp(app.dir, dir, {
    recursive: true,
    filter: (source) => !["node_modules", "dist", ".turbo", "coverage"].includes(basename(source)),
  });
  for (const file of await filesUnder(dir)) {
    const text = await readFile(file, "utf8");
    for (const pattern of REPOSITORY_ONLY) {
      if (pattern.test(text)) fail(`apps/${app.folder}: ${relative(dir, file)} refers to the repository (${String(pattern)})`);
    }
  }
  const manifest = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as Manifest & Record<string, unknown>;
  const tarballs = new Map(packed.map((p) => [p.manifest.name, p.tarball]));
  const dependencies = { ...manifest.dependencies };
  for (const name of Object.keys(dependencies)) {
    const tarball = tarballs.get(name);
    if (tarball !== undefined) dependencies[name] = `file:${tarball}`;
    else if (name.startsWith("@x/")) fail(`apps/${app.folder}: depends on ${name}, which is not published`);
  }
  // Written into the copy only: the repository's app names the npm ranges a user installs.
  const installable = { ...manifest, dependencies, overrides: tarballOverrides(packed, new Set(Object.keys(dependencies))) };
  await writeFile(join(dir, "package.json"), `${JSON.stringify(installable, null, 2)}\n`);

  await must("npm", NPM_INSTALL, { cwd: dir });
  return dir;
}

/** Build, start and test, as the app's README tells a user; one app at a time (timing-sensitive tests). */
async function exerciseApp(app: WorkspacePackage, dir: string): Promise<void> {
  await must("npm", ["run", "build", "--silent"], { cwd: dir });
  const start = START[app.folder];
  if (start === undefined) fail(`apps/${app.folder}: no start check in tools/templates/src/check.ts; add one`);
  else await start(dir);
  const tested = await run("npm", ["test"], { cwd: dir, timeoutMs: 300_000 });
  if (tested.code === 0) console.log(`    apps/${app.folder}: npm install, build, start and test passed`);
  else fail(`apps/${app.folder}: npm test failed\n${tested.stdout}\n${tested.stderr}`);
}

async function main(): Promise<void> {
  const started = performance.now();
  const work = await mkdtemp(join(tmpdir(), "x-templates-"));
  if (!relative(ROOT, work).startsWith("..")) throw new Error(`${work} is inside the repository; set TMPDIR elsewhere`);
  console.log(`working in ${work}`);
  try {
    const packages = await publishedPackages();
    const declared = (await readManifest(join(ROOT, "tools/templates"))).devDependencies ?? {};
    for (const p of packages) {
      // turbo builds what this tool depends on before it runs: a package missing here is packed unbuilt.
      if (declared[p.manifest.name] === undefined) fail(`${p.manifest.name}: add it to tools/templates devDependencies ("workspace:*")`);
    }
    const packed = await step(`pack ${packages.length} packages`, () => pack(packages, join(work, "tarballs")));
    await step("tarball contents", () => inspect(packed));
    // attw is CPU, the installs mostly wait on the network and the disk: side by side.
    await Promise.all([
      step("attw --profile esm-only", () => attw(packed)),
      step("install size (npm, each tarball alone)", () => installSizes(packed, work)),
    ]);
    await step("minimum TypeScript", () => typescriptMinimums(packed, work));
    const templates = await apps();
    const dirs = await step("apps copied out and installed from the tarballs", () =>
      eachLimited(templates, PARALLEL, async (app) => installApp(app, packed, work)),
    );
    for (const [index, app] of templates.entries()) {
      await step(`apps/${app.folder}: build, start, test`, () => exerciseApp(app, dirs[index] ?? ""));
    }
  } finally {
    if (process.env.X_TEMPLATES_KEEP === undefined) await rm(work, { recursive: true, force: true });
  }
  console.log(`templates check: ${((performance.now() - started) / 1000).toFixed(0)} s, ${failures.length} failures`);
  if (failures.length > 0) {
    console.error(failures.map((f) => `- ${f}`).join("\n"));
    process.exitCode = 1;
  }
}

await main();
