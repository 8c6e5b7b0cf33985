/** Keys that could change an object's prototype when copied; rejected everywhere in a message. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor"]);

/** Deeper nesting than this is rejected, which also catches cyclic objects. */
export const MAX_JSON_DEPTH = 64;

/** A JSON value as a message carries it: what `JSON.parse` can return. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

const isPlainObject = (value: object): boolean => {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

/**
 * Whether {@link jsonProblem} finds nothing wrong with `value`, without building the path strings
 * it names problems with: a valid payload (the common case) costs one walk and no allocation.
 */
export function isJsonValue(value: unknown, depth = 0): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object": {
      if (value === null) return true;
      if (depth >= MAX_JSON_DEPTH) return false;
      if (Array.isArray(value)) {
        for (const item of value as unknown[]) if (!isJsonValue(item, depth + 1)) return false;
        return true;
      }
      if (!isPlainObject(value)) return false;
      for (const key of Object.keys(value)) {
        if (FORBIDDEN_KEYS.has(key) || !isJsonValue((value as Record<string, unknown>)[key], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * Returns why `value` is not a JSON value that survives a JSON round trip unchanged, with the
 * dotted path of the offending part, or `undefined` when it is fine.
 */
export function jsonProblem(value: unknown, path: string, depth = 0): { path: string; problem: string } | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      return Number.isFinite(value) ? undefined : { path, problem: `${String(value)} is not representable in JSON` };
    case "object": {
      if (value === null) return undefined;
      if (depth >= MAX_JSON_DEPTH) return { path, problem: `nested deeper than ${MAX_JSON_DEPTH} levels (or cyclic)` };
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const found = jsonProblem(value[i], `${path}[${i}]`, depth + 1);
          if (found) return found;
        }
        return undefined;
      }
      if (!isPlainObject(value)) {
        const name = (value.constructor as { name?: string } | undefined)?.name ?? "object";
        return { path, problem: `a ${name} is not a plain JSON object` };
      }
      for (const key of Object.keys(value)) {
        if (FORBIDDEN_KEYS.has(key)) return { path: `${path}.${key}`, problem: "forbidden key" };
        const found = jsonProblem((value as Record<string, unknown>)[key], `${path}.${key}`, depth + 1);
        if (found) return found;
      }
      return undefined;
    }
    default:
      return { path, problem: `${typeof value} values are not representable in JSON` };
  }
}
