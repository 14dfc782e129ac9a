// The demo school's sample passes (fixture data for /passes without ?students=). Student ids are
// those of scripts/demo-roster.mjs (org `demo`, seeded by `npm start` / `npm run seed`); names and
// photos come from the API's lookup, never from here.

export type PassType = "Student request" | "Teacher created" | "Scheduled" | "Kiosk";

export type SamplePass = {
  student_id: string;
  from: string;
  to: string;
  teacher: string;
  type: PassType;
  /** Seconds since the pass started, when the page opens. */
  elapsed: number;
  /** The pass's time limit in minutes. */
  limit: number;
};

export const DEMO_PASSES: SamplePass[] = [
  { student_id: "stu_1001", from: "Room 204", to: "Restroom", teacher: "Ms. Rivera", type: "Student request", elapsed: 252, limit: 5 },
  { student_id: "stu_1006", from: "Science Lab 2", to: "Nurse", teacher: "Mr. Okoye", type: "Teacher created", elapsed: 611, limit: 15 },
  { student_id: "stu_1012", from: "Gym", to: "Locker room", teacher: "Coach Bell", type: "Kiosk", elapsed: 95, limit: 5 },
  { student_id: "stu_1002", from: "Room 118", to: "Main office", teacher: "Mrs. Lindqvist", type: "Scheduled", elapsed: 424, limit: 10 },
  { student_id: "stu_1015", from: "Library", to: "Counselor", teacher: "Ms. Adeyemi", type: "Scheduled", elapsed: 1130, limit: 20 },
  { student_id: "stu_1017", from: "Room 305", to: "Water fountain", teacher: "Mr. Haddad", type: "Student request", elapsed: 64, limit: 3 },
  { student_id: "stu_1013", from: "Room 410", to: "Restroom", teacher: "Ms. Chen", type: "Student request", elapsed: 388, limit: 5 },
  { student_id: "stu_1022", from: "Art Studio", to: "Library", teacher: "Mr. Novak", type: "Teacher created", elapsed: 530, limit: 15 },
  { student_id: "stu_1008", from: "Room 206", to: "Attendance office", teacher: "Ms. Rivera", type: "Kiosk", elapsed: 187, limit: 10 },
];
