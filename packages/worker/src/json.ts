/** Deeper than this is refused, which also catches cycles (the same bound as `@x/message`'s). */
const MAX_DEPTH = 64;

/**
 * Why `value` is not a JSON value that survives a round trip unchanged (with the dotted path of the
 * part that is not), or `undefined` when it is one. Results sent back to a producer must be.
 */
export function jsonProblem(value: unknown, path: string, depth = 0): string | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      return Number.isFinite(value) ? undefined : `${path} is ${String(value)}, which JSON cannot represent`;
    case "object": {
      if (value === null) return undefined;
      if (depth >= MAX_DEPTH) return `${path} is nested deeper than ${MAX_DEPTH} levels (or cyclic)`;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const problem = jsonProblem(value[i], `${path}[${i}]`, depth + 1);
          if (problem !== undefined) return problem;
        }
        return undefined;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return `${path} is a ${value.constructor.name}, not a plain object`;
      for (const [key, item] of Object.entries(value)) {
        const problem = jsonProblem(item, `${path}.${key}`, depth + 1);
        if (problem !== undefined) return problem;
      }
      return undefined;
    }
    default:
      return `${path} is a ${typeof value}, which JSON cannot represent`;
  }
}
