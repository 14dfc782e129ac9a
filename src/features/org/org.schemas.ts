import { z } from "@hono/zod-openapi";
import { JURISDICTIONS } from "../../storage/homes";

export const Jurisdiction = z.enum(JURISDICTIONS).openapi({ description: "Where the school's rows and photos are kept" });

export const OrgHome = z
  .object({ org: z.string(), jurisdiction: Jurisdiction, home: z.string().openapi({ example: "us-1" }), created_at: z.string() })
  .openapi("OrgHome");

export const PutOrgBody = z.object({ jurisdiction: Jurisdiction }).strict().openapi("PutOrg");
