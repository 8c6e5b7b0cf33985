import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type Checks, type ChecksOptions, createChecks } from "../checks.js";
import { type ChecksRunner, isChecksRunner } from "../contract.js";
import { ChecksModuleError } from "../errors.js";
import { errorText } from "../internal/error-text.js";

/** What a checks module's `CHECKS` turned into. */
export type LoadedChecks = { readonly kind: "list"; readonly checks: Checks } | { readonly kind: "runner"; readonly checks: ChecksRunner };

/**
 * Imports a checks module and reads its `CHECKS` export: a list becomes a {@link Checks}
 * scheduler, an object with `runNext()` is used as it is.
 */
export async function loadChecks(path: string, cwd: string, options: ChecksOptions): Promise<LoadedChecks> {
  const url = pathToFileURL(resolve(cwd, path)).href;
  let module: Record<string, unknown>;
  try {
    module = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new ChecksModuleError(`cannot load checks module ${path}: ${errorText(error)}`, { cause: error });
  }
  if (!("CHECKS" in module)) throw new ChecksModuleError(`checks module ${path} does not export CHECKS`);
  const value = module.CHECKS;
  if (Array.isArray(value)) {
    try {
      return { kind: "list", checks: createChecks(value, options) };
    } catch (error) {
      throw new ChecksModuleError(`invalid CHECKS in ${path}: ${errorText(error)}`, { cause: error });
    }
  }
  if (isChecksRunner(value)) return { kind: "runner", checks: value };
  throw new ChecksModuleError(`CHECKS in ${path} must be a list of checks and handles, or an object with runNext()`);
}
