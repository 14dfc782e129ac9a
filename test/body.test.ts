import { describe, expect, it } from "vitest";
import { DRAIN_LIMITS, discardBody } from "../src/http/body";

const CHUNK = 64 * 1024;

/** A body that sends `chunks` chunks (Infinity: never ends), each after `everyMs`, then stalls or ends. */
function body({ chunks, everyMs = 0, thenStall = false, failAfter }: { chunks: number; everyMs?: number; thenStall?: boolean; failAfter?: number }) {
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (failAfter !== undefined && state.pulled === failAfter) return controller.error(new Error("client went away"));
      if (state.pulled === chunks) {
        if (thenStall) return new Promise<void>(() => {}); // nothing more, and no end either
        return controller.close();
      }
      if (everyMs) await new Promise((r) => setTimeout(r, everyMs));
      state.pulled++;
      controller.enqueue(new Uint8Array(CHUNK));
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

describe("discardBody: draining a refused body, within bounds", () => {
  it("reads a body to its end", async () => {
    const { stream, state } = body({ chunks: 40 });
    expect(await discardBody(stream)).toBe(40 * CHUNK);
    expect(state.pulled).toBe(40);
  });

  it("gives up on a body that stops arriving, and cancels it", async () => {
    const { stream, state } = body({ chunks: 3, thenStall: true });
    const started = Date.now();
    expect(await discardBody(stream, { ...DRAIN_LIMITS, idleMs: 100 })).toBe(3 * CHUNK);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(state.cancelled).toBe(true);
  });

  it("stops at the byte bound on a body that never ends", async () => {
    const { stream, state } = body({ chunks: Infinity });
    const drained = await discardBody(stream, { ...DRAIN_LIMITS, bytes: 1024 * 1024 });
    expect(drained).toBeGreaterThanOrEqual(1024 * 1024);
    expect(drained).toBeLessThan(1024 * 1024 + CHUNK);
    expect(state.cancelled).toBe(true);
  });

  it("stops at the time bound on a body that trickles forever", async () => {
    const { stream, state } = body({ chunks: Infinity, everyMs: 20 });
    const started = Date.now();
    await discardBody(stream, { ...DRAIN_LIMITS, idleMs: 1_000, totalMs: 300 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(state.cancelled).toBe(true);
  });

  it("never throws: a body that fails half-way, one already locked, none at all", async () => {
    const { stream } = body({ chunks: 10, failAfter: 2 });
    expect(await discardBody(stream)).toBe(2 * CHUNK);
    const locked = body({ chunks: 2 }).stream;
    locked.getReader();
    expect(await discardBody(locked)).toBe(0);
    expect(await discardBody(null)).toBe(0);
  });
});
