/**
 * src/storage/: the one module that builds R2 keys and prefixes. Every read, write, list or
 * delete in the PHOTOS bucket names its key through these functions; no other file spells a key.
 * Served photos and staged uploads live under separate prefixes of the school, so deleting one
 * never touches the other. Pure functions: no bindings, no I/O.
 *
 * Photo versions live in one of two key spaces: `photos/` holds what `/img` may serve (the
 * current version of each student who has not opted out); `retired/` holds replaced, deleted and
 * opted-out versions, kept for restore until the retention purge. `/img` only ever builds
 * `photoKey`, so moving a version to `retired/` makes its URLs unreachable at once.
 */
import type { PhotoSize } from "../imaging/pipeline";

/** Every served photo of the school (all students, all versions). */
export const orgPhotosPrefix = (org: string) => `orgs/${org}/photos/`;
/** Every version of one student's photo. */
export const studentPhotosPrefix = (org: string, studentId: string) => `${orgPhotosPrefix(org)}${encodeURIComponent(studentId)}/`;
export const photoKey = (org: string, studentId: string, version: string, size: PhotoSize) => `${studentPhotosPrefix(org, studentId)}${version}/${size}.jpg`;

/** Every retired version of the school (never served; restore and revert move them back). */
export const orgRetiredPrefix = (org: string) => `orgs/${org}/retired/`;
export const studentRetiredPrefix = (org: string, studentId: string) => `${orgRetiredPrefix(org)}${encodeURIComponent(studentId)}/`;
export const retiredPhotoKey = (org: string, studentId: string, version: string, size: PhotoSize) =>
  `${studentRetiredPrefix(org, studentId)}${version}/${size}.jpg`;

/** Present while the school has photos disabled: `/img` refuses teachers' URLs (outside both photo spaces). */
export const photosDisabledMarkerKey = (org: string) => `orgs/${org}/flags/photos-disabled`;

/** Every staged upload of the school. Staged bytes live beside, never among, the served photos. */
export const orgUploadsPrefix = (org: string) => `orgs/${org}/uploads/`;
export const stagingPrefix = (org: string, uploadId: string) => `${orgUploadsPrefix(org)}${uploadId}/`;
export const stagedFileKey = (org: string, uploadId: string, name: string) => `${stagingPrefix(org, uploadId)}files/${encodeURIComponent(name)}`;
export const stagedMappingKey = (org: string, uploadId: string) => `${stagingPrefix(org, uploadId)}mapping`;
export const stagedArchiveKey = (org: string, uploadId: string) => `${stagingPrefix(org, uploadId)}archive.zip`;
