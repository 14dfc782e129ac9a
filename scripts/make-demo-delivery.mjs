#!/usr/bin/env node
// npm run demo:delivery -- --out DIR [--count 500] [--size 640x800] [--org demo] [--seed passpix]
//                          [--domain <email domain>] [--problems] [--no-initials] [--url URL --token T]
//
// Generates what a school photographer delivers after picture day, for demos, tests and benchmarks:
//   DIR/photos/Grade 9/IMG_0001.jpg …   one portrait per student, a folder per grade (one grade's
//                                       camera wrote .JPG), plus the clutter real deliveries carry
//                                       (.DS_Store, ._* AppleDouble files, __MACOSX/, Thumbs.db, desktop.ini)
//   DIR/roster.csv                      id,email,sis_id,first_name,last_name,grade,homeroom
//                                       (school IDs with leading zeros), to import first
//   DIR/mapping.csv                     student,file: a realistic mix of emails (some capitalised)
//                                       and school IDs (a few with the leading zeros Excel drops),
//                                       and of "Grade 9/IMG_0001.jpg" paths and bare file names
// Everything is deterministic for a given --seed. With --problems, a few rows the preview should
// flag are added (a student not in the roster, a missing file, an unreferenced retake, a HEIC).
// With --url and --token (an admin token), the roster is imported with POST /v1/students/import.
//
//   import { makeDemoDelivery } from "./scripts/make-demo-delivery.mjs";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { portraitJpeg } from "./lib/portrait.mjs";
import { rng } from "./lib/random.mjs";

const WORKER_KIND = "passpix-demo-delivery-portraits";

// ───────────────────────────── worker: renders portraits ─────────────────────────────

if (!isMainThread && workerData?.kind === WORKER_KIND) {
  const { jobs, width, height } = workerData;
  for (const job of jobs) {
    writeFileSync(job.abs, portraitJpeg({ width, height, seed: job.seed, initials: job.initials }));
    parentPort.postMessage(1);
  }
}

// ───────────────────────────── names ─────────────────────────────

const FIRST = [
  "Aaliyah",
  "Aarav",
  "Abigail",
  "Adrián",
  "Ahmed",
  "Aiko",
  "Aisha",
  "Alejandro",
  "Alexei",
  "Amara",
  "Amelia",
  "Ana Sofía",
  "Andrei",
  "Anh",
  "Ariana",
  "Arjun",
  "Astrid",
  "Ava",
  "Ayaan",
  "Beatriz",
  "Benjamin",
  "Bianca",
  "Bilal",
  "Brooklyn",
  "Caleb",
  "Camila",
  "Carlos",
  "Chidi",
  "Chloé",
  "Connor",
  "Dalia",
  "Daniel",
  "Darius",
  "Deshawn",
  "Diego",
  "Dmitri",
  "Ebony",
  "Elena",
  "Elijah",
  "Emeka",
  "Emily",
  "Emma",
  "Esperanza",
  "Ethan",
  "Fatima",
  "Felipe",
  "Finn",
  "Gabriel",
  "Grace",
  "Hana",
  "Hannah",
  "Hiroshi",
  "Ibrahim",
  "Imani",
  "Isabella",
  "Ishaan",
  "Ivan",
  "Jack",
  "Jada",
  "Jae-won",
  "Jamal",
  "Javier",
  "Jaylen",
  "Jia Hui",
  "José",
  "Julia",
  "Kai",
  "Kalani",
  "Kamila",
  "Keanu",
  "Kenji",
  "Khadija",
  "Kwame",
  "Layla",
  "Leilani",
  "Léo",
  "Liam",
  "Lucía",
  "Lucas",
  "Luis",
  "Maya",
  "Malik",
  "Mariana",
  "Marcus",
  "Mateo",
  "Mei",
  "Mia",
  "Mohammed",
  "Nadia",
  "Naomi",
  "Nia",
  "Nikolai",
  "Noah",
  "Nour",
  "Oliver",
  "Olivia",
  "Omar",
  "Priya",
  "Rafael",
  "Rania",
  "Ravi",
  "Rosa",
  "Ryan",
  "Saanvi",
  "Samuel",
  "Santiago",
  "Sara",
  "Seo-yeon",
  "Siddharth",
  "Sienna",
  "Sofía",
  "Sophia",
  "Tariq",
  "Thandiwe",
  "Thomas",
  "Tomás",
  "Valentina",
  "Victoria",
  "Wei",
  "William",
  "Xavier",
  "Ximena",
  "Yara",
  "Yusuf",
  "Zainab",
  "Zara",
  "Zoë",
  "Mary Kate",
  "Jean-Luc",
  "D'Andre",
  "Siobhán",
  "Björn",
];
const LAST = [
  "Abdullah",
  "Adeyemi",
  "Alvarez",
  "Anderson",
  "Babić",
  "Baker",
  "Banerjee",
  "Begay",
  "Bennett",
  "Brooks",
  "Castillo",
  "Chen",
  "Cho",
  "Clark",
  "Cohen",
  "Cruz",
  "Das",
  "Davis",
  "de la Cruz",
  "Dubois",
  "Dupont",
  "Edwards",
  "Eriksson",
  "Fernández",
  "Fischer",
  "Flores",
  "García",
  "Goldberg",
  "González",
  "Gupta",
  "Haddad",
  "Hall",
  "Hassan",
  "Hernández",
  "Hoang",
  "Ibrahim",
  "Ivanova",
  "Jackson",
  "Jensen",
  "Johnson",
  "Kahale",
  "Kaur",
  "Khan",
  "Kim",
  "Kowalski",
  "Kumar",
  "Larsen",
  "Lee",
  "Lefebvre",
  "Lopez",
  "MacDonald",
  "Martin",
  "Martínez",
  "McCarthy",
  "Mendoza",
  "Mensah",
  "Miller",
  "Mohammed",
  "Moreau",
  "Morales",
  "Müller",
  "Murphy",
  "Nakamura",
  "Nguyen",
  "Novak",
  "Nwosu",
  "O'Brien",
  "O'Connor",
  "Okafor",
  "Okonkwo",
  "Olsen",
  "Ortiz",
  "Park",
  "Patel",
  "Pereira",
  "Petrov",
  "Popescu",
  "Quispe",
  "Rahman",
  "Ramírez",
  "Reyes",
  "Robinson",
  "Rodríguez",
  "Rossi",
  "Russo",
  "Sánchez",
  "Santos",
  "Schmidt",
  "Shah",
  "Sharma",
  "Siddiqui",
  "Silva",
  "Singh",
  "Smith",
  "Smith-Jones",
  "Suzuki",
  "Tanaka",
  "Taylor",
  "Thompson",
  "Torres",
  "Tran",
  "Van der Berg",
  "Vasquez",
  "Wang",
  "Washington",
  "Williams",
  "Wilson",
  "Wong",
  "Wright",
  "Yamamoto",
  "Yilmaz",
  "Young",
  "Zhang",
  "Zhou",
];

const GRADES = ["9", "10", "11", "12"];

/** first.last in ASCII: accents dropped, apostrophes and spaces removed, hyphens kept. */
function emailLocal(first, last) {
  const norm = (s) =>
    s
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[ø]/g, "o")
      .toLowerCase()
      .replace(/['’\s]+/g, "")
      .replace(/[^a-z0-9-]/g, "");
  return `${norm(first)}.${norm(last)}`;
}

const csvCell = (v) => {
  const s = String(v ?? "");
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const toCsv = (header, rows) => [header, ...rows].map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";

/**
 * The students, their photo files and the mapping rows (no files written). Students are sorted
 * by grade, homeroom and name, the order a photographer shoots them in; photos are numbered in
 * that order across the whole day.
 */
export function planDelivery({ count = 500, org = "demo", seed = "passpix", domain, problems = false } = {}) {
  const r = rng(`${seed}:${org}:${count}`);
  const emailDomain = domain ?? `students.${org.toLowerCase().replace(/[^a-z0-9-]/g, "")}.passpix.school`;
  const used = new Map();
  const students = [];
  for (let i = 0; i < count; i++) {
    const first = r.pick(FIRST);
    const last = r.pick(LAST);
    const grade = GRADES[Math.min(3, Math.floor((i * 4) / count))];
    const rooms = [1, 2, 3, 4, 5, 6]
      .slice(0, Math.max(1, Math.min(6, Math.ceil(count / 4 / 25))))
      .map((k) => `${Number(grade) - 8}${String(k).padStart(2, "0")}`);
    let local = emailLocal(first, last);
    const n = (used.get(local) ?? 0) + 1;
    used.set(local, n);
    if (n > 1) local = `${local}${n}`;
    students.push({
      id: `stu_${String(20001 + i)}`,
      email: `${local}@${emailDomain}`,
      // 6 digits with leading zeros, unique: i*17 plus a jitter below 17
      sis_id: String(10000 + i * 17 + r.int(17)).padStart(6, "0"),
      first_name: first,
      last_name: last,
      grade,
      homeroom: r.pick(rooms),
    });
  }
  const key = (s) => `${s.grade.padStart(2, "0")}|${s.homeroom}|${s.last_name}|${s.first_name}|${s.id}`;
  students.sort((a, b) => (key(a) < key(b) ? -1 : 1));

  // One grade's camera wrote upper-case extensions (the mapping still says .jpg).
  const upperGrade = r.pick(GRADES);
  const photos = students.map((s, i) => {
    const base = `IMG_${String(i + 1).padStart(4, "0")}`;
    const folder = `Grade ${s.grade}`;
    return { student: s, folder, file: `${folder}/${base}.${s.grade === upperGrade ? "JPG" : "jpg"}`, mapped: `${folder}/${base}.jpg`, base: `${base}.jpg` };
  });

  const mapping = photos.map((p) => {
    let identifier;
    if (r.chance(0.55)) {
      identifier = p.student.email;
      if (r.chance(0.12)) identifier = identifier.replace(/^[^@]+/, (local) => local.replace(/^[a-z]|\.[a-z]/g, (m) => m.toUpperCase())); // Ada.Lovelace@…
    } else {
      identifier = p.student.sis_id;
      if (r.chance(0.06)) identifier = String(Number(identifier)); // Excel dropped the zeros
    }
    return [identifier, r.chance(0.7) ? p.mapped : p.base];
  });

  const extras = { files: [], rows: [] };
  if (problems && photos.length >= 4) {
    const n = photos.length;
    // the photographer forgot one photo: the mapping names a file that is not delivered
    photos[Math.floor(n / 2)].omit = true;
    // an iPhone retake in HEIC replaces the last student's photo
    photos[n - 1].omit = true;
    extras.files.push({ rel: "Retakes/IMG_9003.HEIC", heic: true });
    mapping[n - 1] = [photos[n - 1].student.email, "Retakes/IMG_9003.HEIC"];
    // a retake for a student who moved away (not in the roster)
    extras.files.push({ rel: "Retakes/IMG_9001.jpg", seed: "transfer", initials: "NT" });
    extras.rows.push([`new.transfer@${emailDomain}`, "Retakes/IMG_9001.jpg"]);
    // a retake nobody put in the mapping
    extras.files.push({ rel: "Retakes/IMG_9002.jpg", seed: "unreferenced", initials: "X" });
  }
  return { students, photos, mapping: [...mapping, ...extras.rows], extras, emailDomain };
}

/** A few bytes that look like an iPhone HEIC file (ftyp box, brand heic). */
function fakeHeic() {
  const ftyp = Buffer.from("000000186674797068656963000000006d69663168656963", "hex");
  return Buffer.concat([ftyp, Buffer.alloc(2048, 0x2a)]);
}

/** An AppleDouble ("._name") file as macOS leaves on FAT drives and in zips. */
function appleDouble() {
  const b = Buffer.alloc(4096);
  b.writeUInt32BE(0x00051607, 0);
  b.writeUInt32BE(0x00020000, 4);
  return b;
}

/**
 * Writes the delivery into `out` (emptied first if it holds an earlier delivery's photos/).
 * Returns { out, photosDir, rosterCsv, mappingCsv, students, photoCount, ms }.
 */
export async function makeDemoDelivery({
  out,
  count = 500,
  width = 640,
  height = 800,
  org = "demo",
  seed = "passpix",
  domain,
  problems = false,
  initials = true,
  threads,
  log = () => {},
}) {
  if (!out) throw new Error("makeDemoDelivery: out is required");
  const t0 = Date.now();
  const plan = planDelivery({ count, org, seed, domain, problems });
  const photosDir = path.join(out, "photos");
  rmSync(photosDir, { recursive: true, force: true });
  mkdirSync(photosDir, { recursive: true });

  const jobs = plan.photos
    .filter((p) => !p.omit)
    .map((p) => ({
      abs: path.join(photosDir, ...p.file.split("/")),
      seed: p.student.id,
      initials: initials ? `${p.student.first_name[0]}${p.student.last_name.replace(/^(de la|van der|o')\s*/i, "")[0]}` : undefined,
    }));
  for (const f of plan.extras.files) {
    const abs = path.join(photosDir, ...f.rel.split("/"));
    if (f.heic) {
      mkdirSync(path.dirname(abs), { recursive: true });
      writeFileSync(abs, fakeHeic());
    } else jobs.push({ abs, seed: f.seed, initials: initials ? f.initials : undefined });
  }
  for (const dir of new Set(jobs.map((j) => path.dirname(j.abs)))) mkdirSync(dir, { recursive: true });

  // Rendering is CPU-bound (~130 ms per 640×800 portrait): spread it over worker threads.
  const cores = typeof availableParallelism === "function" ? availableParallelism() : cpus().length;
  const n = Math.max(1, Math.min(threads ?? cores, 8, Math.ceil(jobs.length / 10)));
  let done = 0;
  let lastLogged = 0;
  await Promise.all(
    Array.from({ length: n }, (_, k) => {
      const mine = jobs.filter((_, i) => i % n === k);
      return new Promise((resolve, reject) => {
        const w = new Worker(new URL(import.meta.url), { workerData: { kind: WORKER_KIND, jobs: mine, width, height } });
        w.on("message", () => {
          done++;
          const pct = Math.floor((done / jobs.length) * 10);
          if (pct > lastLogged) {
            lastLogged = pct;
            log(`  ${done}/${jobs.length} portraits`);
          }
        });
        w.on("error", reject);
        w.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`portrait worker exited with ${code}`))));
      });
    }),
  );

  // The clutter a real delivery carries (the uploader and the server must ignore it).
  const firstGrade = plan.photos[0]?.folder ?? "Grade 9";
  const firstBase = path.posix.basename(plan.photos[0]?.file ?? "IMG_0001.jpg");
  writeFileSync(path.join(photosDir, ".DS_Store"), Buffer.alloc(6148, 0));
  writeFileSync(path.join(photosDir, firstGrade, ".DS_Store"), Buffer.alloc(6148, 0));
  writeFileSync(path.join(photosDir, firstGrade, `._${firstBase}`), appleDouble());
  writeFileSync(path.join(photosDir, "desktop.ini"), "[.ShellClassInfo]\r\nIconResource=C:\\Windows\\System32\\imageres.dll,-3\r\n");
  writeFileSync(path.join(photosDir, plan.photos.at(-1)?.folder ?? firstGrade, "Thumbs.db"), Buffer.alloc(1024, 0));
  mkdirSync(path.join(photosDir, "__MACOSX", firstGrade), { recursive: true });
  writeFileSync(path.join(photosDir, "__MACOSX", firstGrade, `._${firstBase}`), appleDouble());

  const rosterCsv = path.join(out, "roster.csv");
  const mappingCsv = path.join(out, "mapping.csv");
  writeFileSync(
    rosterCsv,
    toCsv(
      ["id", "email", "sis_id", "first_name", "last_name", "grade", "homeroom"],
      plan.students.map((s) => [s.id, s.email, s.sis_id, s.first_name, s.last_name, s.grade, s.homeroom]),
    ),
  );
  writeFileSync(mappingCsv, toCsv(["student", "file"], plan.mapping));
  return {
    out,
    photosDir,
    rosterCsv,
    mappingCsv,
    students: plan.students,
    photoCount: jobs.length + plan.extras.files.filter((f) => f.heic).length,
    ms: Date.now() - t0,
  };
}

/** POST /v1/students/import with the roster CSV. Returns the API's answer. */
export async function importRoster({ url, token, rosterCsv, csvText }) {
  const body = csvText ?? readFileSync(rosterCsv, "utf8");
  let res;
  try {
    res = await fetch(new URL("/v1/students/import", url), {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "text/csv", accept: "application/json" },
      body,
      signal: AbortSignal.timeout(120_000),
    });
  } catch (e) {
    throw new Error(`Could not reach ${url} (${e.cause?.code ?? e.message}).`);
  }
  const json = await res.json().catch(() => null);
  if (res.status !== 200) {
    throw new Error(`Importing the roster failed: ${res.status} ${json?.error?.code ?? ""} ${json?.error?.message ?? ""}`.trim());
  }
  return json;
}

// ───────────────────────────── CLI ─────────────────────────────

const USAGE = `Usage: npm run demo:delivery -- --out DIR [--count 500] [--size 640x800] [--org demo] [--seed passpix]
                                [--domain DOMAIN] [--problems] [--no-initials] [--url URL --token ADMIN_TOKEN]

  --out          where to write photos/, roster.csv and mapping.csv (photos/ is replaced)
  --count        number of students and photos (default 500)
  --size         portrait size in pixels (default 640x800)
  --org          the school the roster is for (default demo); used in the email domain
  --seed         another seed gives other names and faces (default passpix)
  --domain       email domain (default students.<org>.passpix.school)
  --problems     add a few rows the preview flags: unknown student, missing file, unreferenced file, HEIC
  --no-initials  no name badge on the portraits
  --url/--token  import roster.csv into that service (POST /v1/students/import, admin token)`;

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        out: { type: "string" },
        count: { type: "string", default: "500" },
        size: { type: "string", default: "640x800" },
        org: { type: "string", default: "demo" },
        seed: { type: "string", default: "passpix" },
        domain: { type: "string" },
        problems: { type: "boolean", default: false },
        "no-initials": { type: "boolean", default: false },
        url: { type: "string" },
        token: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }));
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (!values.out) throw new Error("--out is required");
    if (!/^\d+$/.test(values.count) || Number(values.count) < 1 || Number(values.count) > 9999) throw new Error(`--count must be 1-9999; got ${values.count}`);
    const m = /^(\d+)x(\d+)$/i.exec(values.size);
    if (!m || Number(m[1]) < 32 || Number(m[2]) < 32 || Number(m[1]) > 4000 || Number(m[2]) > 4000)
      throw new Error(`--size must look like 640x800 (32-4000 pixels); got ${values.size}`);
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(values.org)) throw new Error(`--org must match [A-Za-z0-9_-]{1,64}; got ${values.org}`);
    if (Boolean(values.url) !== Boolean(values.token)) throw new Error("--url and --token go together");
    values.width = Number(m[1]);
    values.height = Number(m[2]);
  } catch (e) {
    console.error(`error: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  const out = path.resolve(values.out);
  console.log(`Generating ${values.count} portraits (${values.width}×${values.height}) into ${out} …`);
  const d = await makeDemoDelivery({
    out,
    count: Number(values.count),
    width: values.width,
    height: values.height,
    org: values.org,
    seed: values.seed,
    domain: values.domain,
    problems: values.problems,
    initials: !values["no-initials"],
    log: (l) => console.log(l),
  });
  console.log(`Done in ${(d.ms / 1000).toFixed(1)} s:`);
  console.log(`  ${d.photosDir}  (${d.photoCount} photos in grade folders, plus .DS_Store/Thumbs.db/__MACOSX clutter)`);
  console.log(`  ${d.rosterCsv}  (${d.students.length} students)`);
  console.log(`  ${d.mappingCsv}`);
  if (values.url) {
    try {
      const r = await importRoster({ url: values.url, token: values.token, rosterCsv: d.rosterCsv });
      console.log(
        `Roster imported into ${values.url}: ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged, ${r.problems?.length ?? 0} problems`,
      );
      for (const p of (r.problems ?? []).slice(0, 10)) console.log(`  row ${p.row}: ${p.code}: ${p.message}`);
    } catch (e) {
      console.error(`error: ${e.message}`);
      return 1;
    }
  } else {
    console.log("Import the roster first (POST /v1/students/import, or add --url and --token), then:");
  }
  const rel = (p) => (path.relative(process.cwd(), p).startsWith("..") ? p : path.relative(process.cwd(), p) || ".");
  const q = (p) => (/\s/.test(p) ? `"${p}"` : p);
  console.log(`  npm run upload -- ${q(rel(d.photosDir))} ${q(rel(d.mappingCsv))} --url ${values.url ?? "<url>"} --token <admin token>`);
  return 0;
}

const invokedDirectly = isMainThread && process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) process.exitCode = await main();
