// The vendored Standard Schema types live in @x/core, shared by every package that validates.
export type { StandardSchemaV1 } from "@x/core";
