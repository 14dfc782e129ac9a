/**
 * Requests this isolate is answering right now, so that background work in the same isolate can
 * step aside for them.
 *
 * Why: an isolate runs JavaScript on one thread, and the upload queue's consumer is the same
 * Worker, so its decodes and the pass views' lookups can share an isolate (always under `wrangler
 * dev`, where every isolate even shares one workerd thread; sometimes in production). A lookup that
 * arrives while six rows are being decoded waited behind all of them: p99 rose from 23 ms idle to
 * about 1 s during a 300-photo ingest (BENCHMARKS.md, issue 12). The consumer runs its CPU steps
 * (src/imaging/pipeline.ts portraitSteps) through `stepAsideForRequests`, which lets fresh requests
 * go first, bounded so that a steady stream of requests slows an ingest down but never stops it.
 */
type Live = { startedMs: number };
const live = new Set<Live>();

/**
 * A request counts as waiting only while it is young: an upload streaming a large zip for a
 * minute is not someone looking at a screen, and must not hold the consumer back.
 */
const FRESH_MS = 1000;
/** At most this long per step (measured: one step of a 640×800 photo is 1–9 ms of CPU). */
const MAX_WAIT_MS = 50;

export async function trackRequest<T>(handle: () => Promise<T> | T): Promise<T> {
  const me: Live = { startedMs: Date.now() };
  live.add(me);
  try {
    return await handle();
  } finally {
    live.delete(me);
  }
}

function someoneWaiting(nowMs: number) {
  for (const r of live) if (nowMs - r.startedMs < FRESH_MS) return true;
  return false;
}

const nextTurn = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Gives the thread back to the event loop once (so requests whose I/O has completed run), then
 * keeps waiting while a fresh request is in flight, up to MAX_WAIT_MS.
 */
export async function stepAsideForRequests() {
  await nextTurn(0);
  const until = Date.now() + MAX_WAIT_MS;
  while (someoneWaiting(Date.now()) && Date.now() < until) await nextTurn(1);
}

/** Runs a generator of CPU steps, stepping aside for requests between them. */
export async function runSteps<T>(steps: Generator<void, T, void>): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await stepAsideForRequests();
  }
}
