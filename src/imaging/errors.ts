/**
 * The one error the imaging code throws: a code and a message that read well on their own (the
 * bulk uploader shows them as per-row problems), and facts (sizes, limits, the real type) for
 * whoever reports it. Nothing here knows HTTP: src/http/errors.ts (toApiError) is the one place
 * that gives each code its status.
 *   unsupported_type     not JPEG/PNG/WebP (the message names what the file really is)
 *   image_unreadable     empty, truncated, corrupt, zero-sized, or a variant the decoder cannot read
 *   image_too_large      past IMAGE_LIMITS (the message names the image's size and the limit)
 *   image_service_busy   this isolate has leaked too much WebAssembly memory to photon's panics
 *                        to risk another photon decode: worth another try later (photon.ts)
 */
export type ImagingErrorCode = "unsupported_type" | "image_unreadable" | "image_too_large" | "image_service_busy";

export class ImagingError extends Error {
  constructor(
    readonly code: ImagingErrorCode,
    message: string,
    /** What was found (sizes, limits, the real type, why it is unreadable); the API's `details`. */
    readonly facts?: Record<string, unknown>,
    /** For image_service_busy: when another try may work. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "ImagingError";
  }
}

export function unreadable(message: string, facts?: Record<string, unknown>): ImagingError {
  return new ImagingError("image_unreadable", message, facts);
}

export function truncated(kind: string): ImagingError {
  return unreadable(
    `This ${kind} file is incomplete: it ends before the end of the picture (it was probably cut off while copying or downloading). Upload the complete file.`,
    {
      reason: "truncated",
    },
  );
}

export function corrupt(kind: string, what: string): ImagingError {
  return unreadable(
    `This ${kind} file is damaged and cannot be read (${what}). Open it in a photo editor, save it again as JPEG or PNG, and upload it again.`,
    {
      reason: "corrupt",
    },
  );
}
