import { env, exports } from "cloudflare:workers";
import { sign } from "hono/jwt";
import { homeById, pickHome } from "../../src/storage/homes";

export type Role = "admin" | "teacher" | "support";

let orgCounter = 0;
/**
 * A fresh school per test: tests never see each other's rows. Its id is one that lands in home
 * us-1 (whose bindings are env.DB / env.PHOTOS), so a test may look into env.DB for its school;
 * test/homes.test.ts puts schools in the other homes on purpose (newOrgIn).
 */
export const newOrg = (label = "school") => newOrgIn("us-1", label);

/** A fresh school id whose first provisioning puts it in this home. */
export function newOrgIn(home: string, label = "school") {
  const jurisdiction = homeById(home)!.jurisdiction;
  for (;;) {
    const org = `${label}-${Date.now().toString(36)}-${++orgCounter}`;
    if (pickHome(org, jurisdiction) === home) return org;
  }
}

export async function tokenFor(org: string, role: Role, sub = `${role}-1`, extra: Record<string, unknown> = {}) {
  return sign({ sub, org, role, exp: Math.floor(Date.now() / 1000) + 3600, ...extra }, env.JWT_SECRET, "HS256");
}

type Body = BodyInit | Record<string, unknown> | unknown[] | null | undefined;
export type CallOptions = { token?: string | null; body?: Body; headers?: Record<string, string> };

export async function call(method: string, path: string, opts: CallOptions = {}) {
  const headers = new Headers(opts.headers);
  if (opts.token) headers.set("Authorization", `Bearer ${opts.token}`);
  let body: BodyInit | undefined;
  if (opts.body instanceof Uint8Array || typeof opts.body === "string" || opts.body instanceof ArrayBuffer || opts.body instanceof ReadableStream) {
    body = opts.body as BodyInit;
  } else if (opts.body !== undefined && opts.body !== null) {
    body = JSON.stringify(opts.body);
    if (!headers.has("Content-Type")) headers.set("Content-Type", "application/json");
  }
  return exports.default.fetch(new Request(`http://passpix.test${path}`, { method, headers, body }));
}

/** A caller bound to one school and role. */
export async function as(org: string, role: Role, sub?: string) {
  const token = await tokenFor(org, role, sub);
  const fn = (method: string, path: string, opts: Omit<CallOptions, "token"> = {}) => call(method, path, { ...opts, token });
  return Object.assign(fn, { token, org });
}

export async function json<T = any>(res: Response): Promise<T> {
  const text = await res.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`Expected JSON, got ${res.status}: ${text.slice(0, 200)}`);
  }
}

export async function expectError(res: Response, status: number, code: string) {
  const body = await json(res);
  if (res.status !== status || body?.error?.code !== code) {
    throw new Error(`Expected ${status} ${code}, got ${res.status} ${JSON.stringify(body)}`);
  }
  if (typeof body.error.message !== "string" || body.error.message.length < 10) throw new Error("Error without a readable message");
  return body.error as { code: string; message: string; details?: unknown };
}

export const demoStudents = [
  { id: "s1", email: "ada.lovelace@school.test", sis_id: "001234", first_name: "Ada", last_name: "Lovelace", grade: "9", homeroom: "101" },
  { id: "s2", email: "alan.turing@school.test", sis_id: "001235", first_name: "Alan", last_name: "Turing", grade: "10", homeroom: "102" },
  { id: "s3", email: "grace.hopper@school.test", sis_id: "001236", first_name: "Grace", last_name: "Hopper", grade: "11", homeroom: "103" },
  { id: "s4", email: "opted.out@school.test", sis_id: "001237", first_name: "Otto", last_name: "Out", grade: "12", homeroom: "104", photo_opt_out: true },
];

export async function importRoster(org: string, students: Record<string, unknown>[] = demoStudents) {
  const admin = await as(org, "admin");
  const res = await admin("POST", "/v1/students/import", { body: { students } });
  if (res.status !== 200) throw new Error(`import failed: ${res.status} ${await res.text()}`);
  return json(res);
}
