import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decideRefresh, nextRefreshToken, withinGraceWindow, type RotationState } from "../../lib/sessions/refresh-rotation.js";
import { hashRefreshToken, newRefreshToken, refreshTokenSid } from "../../lib/sessions/refresh-tokens.js";

const key = randomBytes(32);
const sid = "0b6f7c1e-4a2d-4c8e-9f10-2b3c4d5e6f70";

describe("nextRefreshToken", () => {
  it("is the same for the same token and key, so concurrent or repeated refreshes agree", () => {
    const token = newRefreshToken(sid);
    expect(nextRefreshToken(key, sid, token)).toBe(nextRefreshToken(key, sid, token));
  });

  it("names the same session and has the shape of a refresh token (256 bits after the sid)", () => {
    const next = nextRefreshToken(key, sid, newRefreshToken(sid));
    expect(refreshTokenSid(next)).toBe(sid);
    expect(Buffer.from(next.split(".")[1]!, "base64url")).toHaveLength(32);
  });

  it("cannot be computed without the key: another key gives another token", () => {
    const token = newRefreshToken(sid);
    expect(nextRefreshToken(randomBytes(32), sid, token)).not.toBe(nextRefreshToken(key, sid, token));
  });

  it("never repeats along a chain", () => {
    const seen = new Set<string>();
    let token = newRefreshToken(sid);
    for (let i = 0; i < 1000; i++) {
      seen.add(token);
      token = nextRefreshToken(key, sid, token);
    }
    expect(seen.size).toBe(1000);
  });
});

describe("withinGraceWindow", () => {
  it("holds up to and including the window's last millisecond, never with a window of 0", () => {
    expect(withinGraceWindow(1_000, 1_000, 10)).toBe(true);
    expect(withinGraceWindow(1_000, 11_000, 10)).toBe(true);
    expect(withinGraceWindow(1_000, 11_001, 10)).toBe(false);
    expect(withinGraceWindow(1_000, 1_000, 0)).toBe(false);
    expect(withinGraceWindow(undefined, 1_000, 10)).toBe(false);
  });

  it("holds when this server's clock is behind the one that rotated", () => {
    expect(withinGraceWindow(5_000, 4_000, 10)).toBe(true);
  });
});

describe("decideRefresh", () => {
  const t0 = newRefreshToken(sid);
  const t1 = nextRefreshToken(key, sid, t0);
  const t2 = nextRefreshToken(key, sid, t1);
  const rotatedAt = 1_700_000_000_000;
  const afterFirstRotation: RotationState = {
    refreshTokenHash: hashRefreshToken(t1),
    previousRefreshTokenHash: hashRefreshToken(t0),
    rotatedAt,
  };
  const decide = (presented: string, state: RotationState, now: number, graceSeconds = 10) =>
    decideRefresh({
      presentedHash: hashRefreshToken(presented),
      nextHash: hashRefreshToken(nextRefreshToken(key, sid, presented)),
      state,
      now,
      graceSeconds,
    });

  it("rotates the live token, whenever it is presented", () => {
    expect(decide(t0, { refreshTokenHash: hashRefreshToken(t0) }, rotatedAt)).toBe("rotate");
    expect(decide(t1, afterFirstRotation, rotatedAt + 1)).toBe("rotate");
    expect(decide(t1, afterFirstRotation, rotatedAt + 29 * 24 * 3600 * 1000)).toBe("rotate");
  });

  it("repeats the predecessor within the window", () => {
    expect(decide(t0, afterFirstRotation, rotatedAt)).toBe("repeat");
    expect(decide(t0, afterFirstRotation, rotatedAt + 10_000)).toBe("repeat");
  });

  it("calls the predecessor after the window reuse", () => {
    expect(decide(t0, afterFirstRotation, rotatedAt + 10_001)).toBe("reuse");
  });

  it("calls the predecessor reuse at once with a window of 0 (strict)", () => {
    expect(decide(t0, afterFirstRotation, rotatedAt, 0)).toBe("reuse");
  });

  it("leaves older tokens and strangers to the tombstone check, even within the window", () => {
    const afterSecondRotation: RotationState = {
      refreshTokenHash: hashRefreshToken(t2),
      previousRefreshTokenHash: hashRefreshToken(t1),
      rotatedAt,
    };
    expect(decide(t0, afterSecondRotation, rotatedAt)).toBe("unknown");
    expect(decide(newRefreshToken(sid), afterSecondRotation, rotatedAt)).toBe("unknown");
  });

  it("rejects a repeat whose derived token is not the live one (the server secret changed since)", () => {
    const rotatedWithOldKey: RotationState = { ...afterFirstRotation, refreshTokenHash: hashRefreshToken(nextRefreshToken(randomBytes(32), sid, t0)) };
    expect(decide(t0, rotatedWithOldKey, rotatedAt)).toBe("reject");
  });

  it("repeats exactly within a positive window and calls everything after it reuse", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: -5_000, max: 400_000 }), (graceSeconds, elapsed) => {
        const decision = decide(t0, afterFirstRotation, rotatedAt + elapsed, graceSeconds);
        expect(decision).toBe(graceSeconds > 0 && elapsed <= graceSeconds * 1000 ? "repeat" : "reuse");
      }),
    );
  });
});
