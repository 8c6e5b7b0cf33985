import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";

/** Debian's chromium, which scripts/servers.sh installs. */
export const CHROMIUM = "/usr/bin/chromium";

/** Launches headless chromium, or fails with the command that installs it: a browser test never skips. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `the browser tests need Debian's chromium at ${CHROMIUM}: run \`apt-get install -y chromium\` (as root), or bash scripts/servers.sh`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox"] });
}

/** What a page did that a test must see: console errors, uncaught errors, dialogs and requests to other origins. */
export interface PageWatch {
  readonly consoleErrors: string[];
  readonly pageErrors: string[];
  readonly dialogs: string[];
  readonly foreignRequests: string[];
}

/**
 * Opens a page that may talk to `origin` only: every other request is recorded and aborted, so
 * the page must work with what the package serves. `confirm()` dialogs are accepted (the page
 * asks before destructive actions) and every dialog is recorded: an `alert` means a script ran.
 */
export async function openPage(browser: Browser, origin: string): Promise<{ page: Page; watch: PageWatch }> {
  const watch: PageWatch = { consoleErrors: [], pageErrors: [], dialogs: [], foreignRequests: [] };
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  await context.route("**/*", async (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) await route.continue();
    else {
      watch.foreignRequests.push(url);
      await route.abort();
    }
  });
  const page = await context.newPage();
  page.on("console", (message) => {
    if (message.type() === "error") watch.consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => watch.pageErrors.push(error.message));
  page.on("dialog", (dialog) => {
    watch.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void (dialog.type() === "confirm" ? dialog.accept() : dialog.dismiss());
  });
  return { page, watch };
}
