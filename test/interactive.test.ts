import { describe, expect, it } from "vitest";
import { runSteps, trackRequest } from "../src/http/interactive";
import { portraitSteps, processPortrait } from "../src/imaging/pipeline";
import { portraitJpeg } from "./helpers/images";

/** Steps that record when each one ran (ms since start). */
function* recordedSteps(times: number[], start: number, n: number): Generator<void, string, void> {
  for (let i = 0; i < n; i++) {
    times.push(Date.now() - start);
    yield;
  }
  return "done";
}

describe("background work steps aside for requests in the same isolate (issue 12)", () => {
  it("waits between steps while a fresh request is in flight, and goes on once it has answered", async () => {
    let answer!: () => void;
    const request = trackRequest(() => new Promise<void>((r) => (answer = r)));
    const start = Date.now();
    const times: number[] = [];
    const running = runSteps(recordedSteps(times, start, 3));
    await new Promise((r) => setTimeout(r, 20));
    // One step ran; the next waits for the request.
    expect(times).toHaveLength(1);
    answer();
    await request;
    expect(await running).toBe("done");
    expect(times).toHaveLength(3);
  });

  it("never waits more than a bounded time per step, however long a request takes", async () => {
    const request = trackRequest(() => new Promise<void>((r) => setTimeout(r, 400)));
    const start = Date.now();
    expect(await runSteps(recordedSteps([], start, 3))).toBe("done");
    // 3 steps × 50 ms at most, well before the request answers.
    expect(Date.now() - start).toBeLessThan(300);
    await request;
  });

  it("does not wait for requests that have run for over a second (an upload streaming a zip)", async () => {
    let answer!: () => void;
    const request = trackRequest(() => new Promise<void>((r) => (answer = r)));
    await new Promise((r) => setTimeout(r, 1100));
    const start = Date.now();
    expect(await runSteps(recordedSteps([], start, 5))).toBe("done");
    expect(Date.now() - start).toBeLessThan(50);
    answer();
    await request;
  });

  it("a photo processed in steps is the same photo as processed at once", async () => {
    const bytes = portraitJpeg(640, 800);
    const atOnce = processPortrait(bytes);
    const inSteps = await runSteps(portraitSteps(bytes));
    expect(inSteps.info).toEqual(atOnce.info);
    // The checks, and the aligned details their closure works out when asked.
    const { alignedDetails: stepsAligned, scheme2Detail: stepsScheme2, ...stepsChecks } = inSteps.checks;
    const { alignedDetails: onceAligned, scheme2Detail: onceScheme2, ...onceChecks } = atOnce.checks;
    expect(stepsChecks).toEqual(onceChecks);
    expect(stepsAligned()).toEqual(onceAligned());
    expect(stepsScheme2()).toEqual(onceScheme2());
    for (const size of ["thumb", "card", "full"] as const) expect(inSteps.renditions[size]).toEqual(atOnce.renditions[size]);
  });
});
