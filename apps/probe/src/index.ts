export { CHECKS } from "./checks.js";
