import { describe, expect, it } from "vitest";
import { createMessage } from "../message/build.js";
import { messageExitCode, worstExitCode } from "./exit-code.js";

describe("exit codes of --once", () => {
  it("maps the Nagios state names, then the severity of other states; no state is ok", () => {
    const code = (state: string | undefined, severity?: "expected" | "warning" | "error"): number =>
      messageExitCode(
        createMessage({ aspect: "a", time: 1, ...(state === undefined ? { value: 1 } : { state }), ...(severity ? { severity } : {}) }),
      );
    expect([code("ok"), code("warning"), code("critical"), code("unknown")]).toEqual([0, 1, 2, 3]);
    expect([code("down", "error"), code("degraded", "warning"), code("up", "expected"), code("up")]).toEqual([2, 1, 0, 0]);
    expect(code(undefined)).toBe(0);
  });

  it("takes the worst: critical > warning > unknown > ok", () => {
    const m = (state: string) => createMessage({ aspect: "a", state, time: 1 });
    expect(worstExitCode([])).toBe(0);
    expect(worstExitCode([m("unknown"), m("warning")])).toBe(1);
    expect(worstExitCode([m("ok"), m("unknown")])).toBe(3);
    expect(worstExitCode([m("warning"), m("critical"), m("unknown")])).toBe(2);
  });
});
