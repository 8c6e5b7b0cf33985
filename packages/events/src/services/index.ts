export type { AsyncApiOptions } from "./asyncapi.js";
export type { D2Options } from "./d2.js";
export type { MermaidOptions } from "./mermaid.js";
export type { ServiceDescription, ServiceOptions, Services as ServicesRegistry } from "./services.js";
export { Services } from "./services.js";
