import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { HandlersModuleError } from "../errors.js";
import type { HandlerMap } from "../handlers.js";

/**
 * Loads the module given to `x-queue work --handlers`: its `handlers` export, or its default
 * export, must map request types to handlers: functions, or definitions `{ handle, ... }` (whose
 * other options `createWorker` checks).
 * @throws HandlersModuleError saying what is wrong.
 */
export async function loadHandlers(path: string, cwd: string): Promise<HandlerMap> {
  const file = resolve(cwd, path);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new HandlersModuleError(`cannot load the handlers module ${file}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const handlers = module.handlers ?? module.default;
  if (typeof handlers !== "object" || handlers === null) {
    throw new HandlersModuleError(
      `${file} must export \`handlers\` (or a default export): an object mapping request types to functions or { handle } definitions`,
    );
  }
  const entries = Object.entries(handlers);
  if (entries.length === 0) throw new HandlersModuleError(`${file}: the handler map is empty`);
  const notHandlers = entries.filter(([, handler]) => !isHandler(handler)).map(([type]) => type);
  if (notHandlers.length > 0) {
    throw new HandlersModuleError(`${file}: these handlers are neither functions nor { handle } definitions: ${notHandlers.join(", ")}`);
  }
  return handlers as HandlerMap;
}

function isHandler(value: unknown): boolean {
  if (typeof value === "function") return true;
  return typeof value === "object" && value !== null && typeof (value as { handle?: unknown }).handle === "function";
}
