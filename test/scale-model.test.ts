import { describe, expect, it } from "vitest";
import { WORKLOAD, computeModel, scaled, type Measured, type Workload } from "../scripts/lib/scale-model";

// The scale model's arithmetic on inputs small enough to check by hand (docs/SCALE.md), so that a
// broken formula fails here rather than quietly changing the numbers the design rests on.
const measured: Measured = { photo_cpu_ms: 50, lookup_cpu_ms: 2, image_cpu_ms: 1, d1_bytes_per_student: 1000 };
const small: Workload = {
  ...WORKLOAD,
  schools: 10,
  students: 10_000,
  eu_share: 0.5,
  storm_lookups_per_minute: 60_000, // 1,000 lookups/s
  images_per_lookup: 20, // 20,000 images/s
  d1_queries_per_image: 1,
  d1_ms_per_lookup: 1,
  d1_ms_per_image_check: 0.5,
  headroom: 0.5,
  replicas_effective: 1,
  back_to_school_photos: 4_500_000,
  back_to_school_days: 5,
  photo_io_ms: 150,
  queues: 1,
  storm_hit_rates: [0.75],
  lookups_per_school_day: 100,
  school_days_per_year: 100,
  photos_per_student_year: 1,
  d1_rows_read_per_lookup: 22,
};

describe("scale model", () => {
  it("homes: the busiest limit decides, each jurisdiction rounds up", () => {
    const r = computeModel(measured, small);
    const [size, time] = r.homes.byLimit;
    expect(size?.homes).toBeCloseTo((10_000 * 1000) / (10e9 * 0.5), 9); // 10 MB of rows: 0.002 homes
    expect(time?.homes).toBeCloseTo((1000 * 1 + 20_000 * 0.5) / (1000 * 0.5), 9); // 11,000 busy ms/s → 22
    expect(r.homes).toMatchObject({ us: 11, eu: 11, total: 22, binding: time?.limit });
    // without the per-image D1 check (issue 11) the storm needs 2 homes, and each jurisdiction still 1
    const after = computeModel(measured, { ...small, d1_queries_per_image: 0 });
    expect(after.homes).toMatchObject({ us: 1, eu: 1, total: 2 });
    expect(after.storm.d1QueriesPerSecond).toBe(1000);
  });

  it("the storm: R2 reads and their price follow the edge-cache hit rate", () => {
    const r = computeModel(measured, small);
    expect(r.storm.lookupsPerSecond).toBe(1000);
    expect(r.storm.imagesPerSecond).toBe(20_000);
    expect(r.storm.d1QueriesPerSecond).toBe(21_000);
    expect(r.storm.rows[0]?.r2GetsPerSecond).toBe(5000);
    expect(r.storm.rows[0]?.r2UsdPerStormMinute).toBeCloseTo((5000 * 60 * 0.36) / 1e6, 12);
    expect(r.storm.workerCpuCoresBusy).toBeCloseTo((1000 * 2 + 20_000 * 1) / 1000, 12); // 22 cores
  });

  it("back-to-school: 250 consumers at CPU + I/O per photo, capped by 5,000 messages/s", () => {
    const r = computeModel(measured, small);
    expect(r.backToSchool.photoWallMs).toBe(200);
    expect(r.backToSchool.photosPerSecondPerQueue).toBe(1250);
    expect(r.backToSchool.bindingQueueLimit).toBe("250 concurrent consumers");
    expect(r.backToSchool.drainHoursAllAtOnce).toBeCloseTo(1, 12); // 4.5 M ÷ 1,250/s = 3,600 s
    expect(computeModel(measured, { ...small, queues: 2 }).backToSchool.drainHoursAllAtOnce).toBeCloseTo(0.5, 12);
    const fast = computeModel({ ...measured, photo_cpu_ms: 10 }, { ...small, photo_io_ms: 10 });
    expect(fast.backToSchool.photosPerSecondPerQueue).toBe(5000); // 12,500 from consumers, capped
    expect(fast.backToSchool.bindingQueueLimit).toBe("5,000 messages/s");
    expect(r.backToSchool.queueOps).toBe(13_500_000);
  });

  it("cost: each line is volume × the cited price, and the total is their sum", () => {
    const r = computeModel(measured, small);
    const line = (name: string) => r.cost.lines.find((l) => l.item.startsWith(name))?.usdPerYear;
    // 100 pass views × 100 days × 10 schools = 100,000 lookups, 2,000,000 images, 10,000 photos
    expect(line("Workers requests")).toBeCloseTo(((100_000 + 2_000_000 + 10_000) / 1e6) * 0.3, 12);
    expect(line("Workers CPU")).toBeCloseTo(((100_000 * 2 + 2_000_000 * 1 + 10_000 * 50) / 1e6) * 0.02, 12);
    expect(line("D1 rows read")).toBeCloseTo(((100_000 * 22 + 2_000_000) / 1e6) * 0.001, 12);
    expect(line("Queues")).toBeCloseTo(((10_000 * 3) / 1e6) * 0.4, 12);
    expect(r.cost.totalUsdPerYear).toBeCloseTo(
      r.cost.lines.reduce((s, l) => s + l.usdPerYear, 0),
      9,
    );
    expect(r.cost.perSchoolPerYear).toBeCloseTo(r.cost.totalUsdPerYear / 10, 12);
  });

  it("10× multiplies schools, students, the storm and back-to-school, and the storm-bound homes with them", () => {
    const big = scaled(small, 10);
    expect(big).toMatchObject({ schools: 100, students: 100_000, storm_lookups_per_minute: 600_000, back_to_school_photos: 45_000_000 });
    expect(computeModel(measured, big).homes.total).toBe(220);
  });
});
