import { InvalidOptionError } from "@x/core";
import { describe, expect, it } from "vitest";
import { basicAuth, tokenAuth } from "./auth.js";

const withAuthorization = (value: string): Request => new Request("http://x/", { headers: { authorization: value } });

describe("tokenAuth", () => {
  const auth = tokenAuth("a-long-secret");
  it("accepts the token and nothing else", () => {
    expect(auth.scheme).toBe("bearer");
    expect(auth.authorize(withAuthorization("Bearer a-long-secret"))).toBe(true);
    expect(auth.authorize(withAuthorization("Bearer a-long-secreT"))).toBe(false);
    expect(auth.authorize(withAuthorization("Bearer a-long-secret-and-more"))).toBe(false);
    expect(auth.authorize(withAuthorization("Basic YTpi"))).toBe(false);
    expect(auth.authorize(new Request("http://x/"))).toBe(false);
  });
  it("refuses short tokens", () => {
    expect(() => tokenAuth("short")).toThrow(InvalidOptionError);
  });
});

describe("basicAuth", () => {
  const auth = basicAuth({ username: "ops", password: "correct horse" });
  const basic = (text: string) => `Basic ${Buffer.from(text).toString("base64")}`;
  it("accepts the user and password and nothing else", () => {
    expect(auth.scheme).toBe("basic");
    expect(auth.authorize(withAuthorization(basic("ops:correct horse")))).toBe(true);
    expect(auth.authorize(withAuthorization(basic("ops:wrong horse")))).toBe(false);
    expect(auth.authorize(withAuthorization(basic("root:correct horse")))).toBe(false);
    expect(auth.authorize(withAuthorization("Bearer correct horse"))).toBe(false);
  });
  it("refuses a user name with a colon", () => {
    expect(() => basicAuth({ username: "a:b", password: "12345678" })).toThrow(/username/);
  });
});
