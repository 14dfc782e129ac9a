/** Operations on the PHOTOS bucket that span many keys. Keys and prefixes come from keys.ts. */

/** Deletes every object under `prefix`, a page of up to 1000 keys at a time. Returns how many. */
export async function deleteR2Prefix(bucket: R2Bucket, prefix: string) {
  let cursor: string | undefined;
  let deleted = 0;
  do {
    const page = await bucket.list({ prefix, cursor, limit: 1000 });
    const keys = page.objects.map((o) => o.key);
    // R2 deletes up to 1000 keys per call.
    if (keys.length) await bucket.delete(keys);
    deleted += keys.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return deleted;
}
