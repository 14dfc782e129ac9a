import { z } from "@hono/zod-openapi";

export const IntegrationState = z
  .object({
    enabled: z.boolean(),
    can_enable: z.boolean().openapi({ description: "True when photos are disabled and at least one photo is processed" }),
    photo_count: z.number().int(),
    student_count: z.number().int(),
    eligible_count: z.number().int().openapi({ description: "Students who have not opted out of photos" }),
    eligible_photo_count: z.number().int().openapi({ description: "Of those, how many have a photo" }),
    warning_photo_count: z
      .number()
      .int()
      .openapi({ description: "Current photos with warnings from the photo checks (possible_duplicate, low_resolution, too_dark, …)" }),
    coverage: z.number().openapi({ description: "Share (0–1) of students who have not opted out that have a photo" }),
    last_upload: z
      .object({ id: z.string(), status: z.string(), created_at: z.string(), submitted_at: z.string().nullable(), completed_at: z.string().nullable() })
      .nullable(),
  })
  .openapi("IntegrationState");
