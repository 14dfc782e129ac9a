/**
 * Wraps the D1 and R2 bindings so that the Nth storage operation (counting D1 first/all/run/raw/
 * batch and R2 get/put/head/list/delete) throws, as a network blip or a crash at that point would.
 */
export function faultyEnv(env: Env, failAt: number | null) {
  let ops = 0;
  const log: string[] = [];
  const tick = (name: string) => {
    ops++;
    log.push(name);
    if (failAt !== null && ops === failAt) throw new Error(`injected fault at operation ${ops} (${name})`);
  };
  const real = new WeakMap<object, D1PreparedStatement>();

  const wrapStatement = (stmt: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const wrapper = new Proxy(stmt, {
      get(target, prop) {
        if (prop === "bind") return (...args: unknown[]) => wrapStatement(target.bind(...args), sql);
        if (prop === "first" || prop === "all" || prop === "run" || prop === "raw") {
          return async (...args: unknown[]) => {
            tick(`d1.${String(prop)} ${sql.trim().split(/\s+/).slice(0, 3).join(" ")}`);
            return (target[prop] as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        const v = Reflect.get(target, prop);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    real.set(wrapper, stmt);
    return wrapper;
  };

  const DB = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => wrapStatement(target.prepare(sql), sql);
      if (prop === "batch") {
        return async (stmts: D1PreparedStatement[]) => {
          tick(`d1.batch(${stmts.length})`);
          return target.batch(stmts.map((s) => real.get(s) ?? s));
        };
      }
      if (prop === "withSession") return () => DB;
      const v = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });

  const PHOTOS = new Proxy(env.PHOTOS, {
    get(target, prop) {
      const v = Reflect.get(target, prop);
      if (["get", "put", "head", "list", "delete"].includes(String(prop))) {
        return async (...args: unknown[]) => {
          tick(`r2.${String(prop)}`);
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof v === "function" ? v.bind(target) : v;
    },
  });

  return { env: { ...env, DB, PHOTOS } as Env, ops: () => ops, log };
}
