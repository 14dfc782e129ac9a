import { ApiError } from "./errors";
import type { Principal } from "./env";

const PERIOD_SECONDS = 10;

type Limiter = { limit(opts: { key: string }): Promise<{ success: boolean }> };

/**
 * Where the Workers rate-limiting bindings are absent (older local runtimes, other hosts), a
 * fixed-window counter per isolate stands in: per location and approximate, like the binding.
 */
const windows = new Map<string, { start: number; count: number }>();
function isolateLimiter(max: number): Limiter {
  return {
    async limit({ key }) {
      const now = Date.now();
      const w = windows.get(key);
      if (!w || now - w.start >= PERIOD_SECONDS * 1000) {
        if (windows.size > 10_000) windows.clear();
        windows.set(key, { start: now, count: 1 });
        return { success: true };
      }
      w.count++;
      return { success: w.count <= max };
    },
  };
}

export type RateLimitEnv = {
  USER_WRITE_LIMIT?: Limiter;
  SCHOOL_WRITE_LIMIT?: Limiter;
  /** Limits of the in-isolate fallback, per 10 s (the bindings' own are set in wrangler.toml). */
  FALLBACK_USER_WRITES_PER_10S?: string;
  FALLBACK_SCHOOL_WRITES_PER_10S?: string;
};

/** Write requests (anything but GET/HEAD) are limited per user and per school. */
export async function enforceWriteLimits(env: RateLimitEnv, who: Principal) {
  const user = env.USER_WRITE_LIMIT ?? isolateLimiter(Number(env.FALLBACK_USER_WRITES_PER_10S ?? 1000));
  const school = env.SCHOOL_WRITE_LIMIT ?? isolateLimiter(Number(env.FALLBACK_SCHOOL_WRITES_PER_10S ?? 3000));
  const [u, s] = await Promise.all([user.limit({ key: `u:${who.org}:${who.sub}` }), school.limit({ key: `s:${who.org}` })]);
  if (!u.success || !s.success) {
    throw new ApiError(
      429,
      "rate_limited",
      `Too many changes in a short time ${u.success ? "from your school" : "from your account"}. Wait ${PERIOD_SECONDS} seconds and try again.`,
      { retry_after_seconds: PERIOD_SECONDS, scope: u.success ? "school" : "user" },
      { "Retry-After": String(PERIOD_SECONDS) },
    );
  }
}
