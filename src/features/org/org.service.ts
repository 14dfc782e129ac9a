import { ApiError } from "../../http/errors";
import { moveSchool, resolveHome, type Jurisdiction } from "../../storage/homes";
import { schoolHoldsData } from "./org.repo";

export const getOrgHome = (env: Env, org: string) => resolveHome(env, org);

/**
 * Moves a school to a home of another jurisdiction. Only while its current home holds none of
 * its students, photos or uploads: nothing is copied between homes, so a move later would leave
 * the school's data behind where nobody looks for it any more.
 */
export async function setJurisdiction(env: Env, org: string, jurisdiction: Jurisdiction) {
  const current = await resolveHome(env, org);
  if (current.jurisdiction === jurisdiction) return current;
  // env is already the school's home (set by authentication), so env.DB is where its data would be.
  if (await schoolHoldsData(env.DB, org)) {
    throw new ApiError(
      409,
      "school_has_data",
      `This school already holds students or photos in ${current.home} (${current.jurisdiction}); its jurisdiction can only be set before any data is added.`,
      {
        jurisdiction: current.jurisdiction,
        home: current.home,
      },
    );
  }
  return moveSchool(env, org, jurisdiction);
}
