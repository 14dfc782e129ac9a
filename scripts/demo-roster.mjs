// The demo school's roster (org `demo`): 40 students in grades 9–12, used by `npm run seed` and
// `npm start`. Ids, sis_ids and emails are stable, so re-seeding changes nothing.
//
// Each entry: the import row (id, email, sis_id, first_name, last_name, grade, homeroom,
// photo_opt_out) plus, for the few students that get a seeded photo, `portrait` (a look hint for
// scripts/lib/portrait.mjs). Everyone else is left without a photo for the bulk-upload demo and
// for missing.csv.

export const DEMO_ORG = "demo";
export const DEMO_EMAIL_DOMAIN = "demo.passpix.school";

// [first, last, portrait hint or null, opted out]
const PEOPLE = [
  ["Amara", "Okafor", { style: "curly" }],
  ["Liam", "O'Connor", null],
  ["Sofía", "Hernández", null],
  ["Mateo", "García", null],
  ["Aiyana", "Begay", null],
  ["Wei", "Chen", { style: "short" }],
  ["Priya", "Patel", null],
  ["Jamal", "Washington", null],
  ["Hannah", "Kowalski", null],
  ["Yusuf", "Rahman", null],
  ["Emma", "Johansson", null],
  ["Kenji", "Tanaka", { style: "buzz" }],
  ["Fatima", "Al-Sayed", null, true],
  ["Noah", "Williams", null],
  ["Isabella", "Rossi", { style: "side" }],
  ["Darnell", "Brooks", null],
  ["Mei Lin", "Wong", { style: "long" }],
  ["Ethan", "Nguyen", null],
  ["Linh", "Nguyen", null],
  ["Chloé", "Dubois", null],
  ["Santiago", "Morales", null],
  ["Aaliyah", "Johnson", { style: "bun" }],
  ["Oliver", "Smith-Jones", null],
  ["Zainab", "Mohammed", null],
  ["Lucas", "Silva", null],
  ["Grace", "Kim", null],
  ["Diego", "Ramírez", { style: "short" }],
  ["Ava", "Thompson", null],
  ["Arjun", "Sharma", null, true],
  ["Nia", "Davis", null],
  ["Mohammed", "Haddad", null],
  ["Olivia", "Martin", { style: "ponytail" }],
  ["Tomás", "Alves", null],
  ["Leilani", "Kahale", null],
  ["Elijah", "Carter", null],
  ["Ingrid", "Larsen", null],
  ["Samuel", "Mensah", null],
  ["Valentina", "Cruz", null],
  ["Benjamin", "Cohen", null],
  ["Ayesha", "Siddiqui", null],
];

const GRADES = ["9", "10", "11", "12"];
const HOMEROOMS = { 9: ["101", "103"], 10: ["204", "206"], 11: ["305", "307"], 12: ["410", "412"] };

/** first.last in ASCII: accents dropped, apostrophes and spaces removed, hyphens kept. */
export function emailFor(first, last, domain = DEMO_EMAIL_DOMAIN) {
  const norm = (s) =>
    s
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/['’\s]+/g, "")
      .replace(/[^a-z0-9-]/g, "");
  return `${norm(first)}.${norm(last)}@${domain}`;
}

export const DEMO_STUDENTS = PEOPLE.map(([first, last, portrait, optOut], i) => {
  const grade = GRADES[i % 4];
  return {
    id: `stu_${1001 + i}`,
    email: emailFor(first, last),
    sis_id: String(1234 + i * 37).padStart(6, "0"),
    first_name: first,
    last_name: last,
    grade,
    homeroom: HOMEROOMS[grade][Math.floor(i / 4) % 2],
    photo_opt_out: Boolean(optOut),
    ...(portrait ? { portrait } : {}),
  };
});

/** The import rows (what POST /v1/students/import takes). */
export const demoImportRows = () =>
  DEMO_STUDENTS.map(({ id, email, sis_id, first_name, last_name, grade, homeroom, photo_opt_out }) => ({
    id,
    email,
    sis_id,
    first_name,
    last_name,
    grade,
    homeroom,
    photo_opt_out,
  }));

/** The students the seed gives a photo (never an opted-out one). */
export const demoPhotoStudents = () => DEMO_STUDENTS.filter((s) => s.portrait && !s.photo_opt_out);
