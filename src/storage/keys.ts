/**
 * src/storage/: the one module that builds R2 keys and prefixes. Every read, write, list or
 * delete in the PHOTOS bucket names its key through these functions; no other file spells a key.
 * Served photos and staged uploads live under separate prefixes of the school, so deleting one
 * never touches the other. Pure functions: no bindings, no I/O.
 */
import type { PhotoSize } from "../imaging/pipeline";

/** Every served photo of the school (all students, all versions). */
export const orgPhotosPrefix = (org: string) => `orgs/${org}/photos/`;
/** Every version of one student's photo. */
export const studentPhotosPrefix = (org: string, studentId: string) => `${orgPhotosPrefix(org)}${encodeURIComponent(studentId)}/`;
export const photoKey = (org: string, studentId: string, version: string, size: PhotoSize) => `${studentPhotosPrefix(org, studentId)}${version}/${size}.jpg`;

/** Every staged upload of the school. Staged bytes live beside, never among, the served photos. */
export const orgUploadsPrefix = (org: string) => `orgs/${org}/uploads/`;
export const stagingPrefix = (org: string, uploadId: string) => `${orgUploadsPrefix(org)}${uploadId}/`;
export const stagedFileKey = (org: string, uploadId: string, name: string) => `${stagingPrefix(org, uploadId)}files/${encodeURIComponent(name)}`;
export const stagedMappingKey = (org: string, uploadId: string) => `${stagingPrefix(org, uploadId)}mapping`;
export const stagedArchiveKey = (org: string, uploadId: string) => `${stagingPrefix(org, uploadId)}archive.zip`;
