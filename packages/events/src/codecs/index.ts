export type { FernetOptions } from "./fernet.js";
export { fernetSerializer } from "./fernet.js";
export type { GzipOptions } from "./gzip.js";
export { DEFAULT_GUNZIP_MAX_BYTES, gzipSerializer } from "./gzip.js";
export type { HmacOptions } from "./hmac.js";
export { hmacSerializer } from "./hmac.js";
export { msgpackSerializer } from "./msgpack.js";
