/**
 * The checks that a progressive JPEG's scans fit together (ITU T.81 G.1.1.1), before photon,
 * which does not check them, decodes it. Pure; called by jpeg/header.ts scan by scan.
 */
import { corrupt } from "../errors";

/** The frame's colour components in frame order (the part of the frame header these checks need). */
type Frame = { components: readonly { id: number }[] };

/**
 * What the progressive scans so far have coded, per frame component (in frame order): for each of
 * the 64 coefficients, the bit position (Al) its last scan left it at, or -1 before its first scan
 * (libjpeg's coef_bits).
 */
export type Progression = Int8Array[];

export function newProgression(frame: Frame): Progression {
  return frame.components.map(() => new Int8Array(64).fill(-1));
}

/**
 * Checks one progressive scan against those before it (ITU T.81 G.1.1.1). checkJpegScan has
 * already checked the scan on its own (components in the frame, Ss/Se/Ah/Al in range). A scan
 * that does not continue what the earlier ones coded is how a damaged progressive file shows in
 * its headers: photon's decoder does not check it and either panics or decodes wrong colours
 * (a DC first scan at the wrong bit position shifts every block's brightness and colour), so it
 * is refused here, before anything is decoded.
 */
export function checkProgressiveScan(b: Uint8Array, start: number, frame: Frame, progression: Progression) {
  const ns = b[start]!;
  const sel = start + 1 + 2 * ns;
  const ss = b[sel]!;
  const se = b[sel + 1]!;
  const ah = b[sel + 2]! >> 4;
  const al = b[sel + 2]! & 15;
  let previous = -1;
  for (let i = 0; i < ns; i++) {
    const c = frame.components.findIndex((x) => x.id === b[start + 1 + 2 * i]);
    // The components of an interleaved scan come in frame order (T.81 B.2.3); photon panics otherwise.
    if (c <= previous) throw corrupt("JPEG", "a progressive scan whose colour components are out of order");
    previous = c;
    const bits = progression[c]!;
    if (ss > 0 && bits[0]! < 0) throw corrupt("JPEG", "a progressive scan of detail before the colour component's first scan");
    for (let k = ss; k <= se; k++) {
      // A first scan (Ah = 0) of a coefficient already coded, or a refinement scan (Ah > 0) that does
      // not continue at the bit where the previous scan of this coefficient stopped.
      if (ah === 0 ? bits[k]! >= 0 : bits[k] !== ah) throw corrupt("JPEG", "progressive scans that do not fit together");
      bits[k] = al;
    }
  }
}

/**
 * After the last scan: every coefficient of every component must have had its first scan. The
 * standard would allow leaving some out, but no encoder does (libjpeg's and mozjpeg's progressions
 * all cover 0…63), while scans edited to other bands do: their data, decoded into the wrong
 * coefficients, comes out as wrong colours without any other sign of damage.
 */
export function checkProgressionComplete(progression: Progression) {
  if (progression.some((bits) => bits[0]! < 0)) throw corrupt("JPEG", "a colour component without any image data");
  if (progression.some((bits) => bits.includes(-1))) throw corrupt("JPEG", "progressive scans that leave part of the picture out");
}
