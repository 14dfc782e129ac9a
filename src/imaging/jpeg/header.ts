/**
 * A JPEG's header: size, orientation, structure (the tables and scans the decoders rely on) and
 * which decoder it needs, checked against the limits before anything is decoded. Pure.
 */
import { ascii, u16be } from "../bytes";
import { corrupt, truncated, unreadable } from "../errors";
import { exifOrientation } from "../exif";
import { headerOf, type ImageHeader } from "../image-info";
import { checkBaselineDimensions, checkNotEmpty, checkWhole, DECODE_COST, wholeJpegKind } from "../limits";
import { checkProgressionComplete, checkProgressiveScan, newProgression, type Progression } from "./progressive-checks";

const SOF_NAMES: Record<number, string> = {
  0xc3: "lossless",
  0xc5: "hierarchical",
  0xc6: "hierarchical",
  0xc7: "hierarchical",
  0xc9: "arithmetic-coded",
  0xca: "arithmetic-coded",
  0xcb: "arithmetic-coded",
  0xcd: "arithmetic-coded",
  0xce: "arithmetic-coded",
  0xcf: "arithmetic-coded",
};

type JpegFrame = { marker: number; width: number; height: number; progressive: boolean; components: { id: number; tq: number }[]; cost: number };

/**
 * Walks the JPEG's segments: the frame header (size, components), the tables and scan headers
 * the decoder will rely on (photon's decoder panics on inconsistent ones), and the entropy-coded
 * data up to the end-of-image marker (a file without one was cut off). Then decides the decoder
 * (the same criteria as readBaselineJpeg in jpeg/decoder.ts) and checks its limits.
 */
export function parseJpeg(b: Uint8Array): ImageHeader {
  const len = b.length;
  let pos = 2;
  let orientation = 1;
  let frame: JpegFrame | null = null;
  let scans = 0;
  let sawEoi = false;
  let quantTables = 0; // bit i: table i defined
  let dcTables = 0;
  let acTables = 0;
  let sawHuffman = false;
  let firstScan: { components: number; hadHuffman: boolean } | null = null;
  let jfif = false;
  let adobeTransform = -1;
  let progression: Progression | null = null;

  while (pos < len) {
    // Stray bytes between segments are skipped, as libjpeg and photon's decoder do (some cameras write them).
    if (b[pos] !== 0xff) {
      pos = b.indexOf(0xff, pos);
      if (pos < 0) break;
    }
    // Any number of 0xFF fill bytes may precede a marker.
    while (pos < len && b[pos] === 0xff) pos++;
    if (pos >= len) break;
    const marker = b[pos]!;
    pos++;
    if (marker === 0xd9) {
      sawEoi = true;
      break;
    }
    if (marker === 0xd8) throw corrupt("JPEG", "a second start-of-image marker");
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue; // standalone markers
    if (marker === 0x00) throw corrupt("JPEG", `unexpected data at byte ${pos - 1}`);
    if (pos + 2 > len) throw truncated("JPEG");
    const segLen = u16be(b, pos);
    if (segLen < 2) throw corrupt("JPEG", "a segment with an impossible length");
    const start = pos + 2;
    const end = pos + segLen;
    if (end > len) throw truncated("JPEG");

    if (marker === 0xe1) {
      if (orientation === 1 && scans === 0 && segLen >= 8 && ascii(b, start, 6) === "Exif\0\0") orientation = exifOrientation(b, start + 6, end);
    } else if (marker === 0xe0) {
      if (segLen >= 7 && ascii(b, start, 5) === "JFIF\0") jfif = true;
    } else if (marker === 0xee) {
      if (segLen >= 14 && ascii(b, start, 5) === "Adobe") adobeTransform = b[start + 11]!;
    } else if (marker === 0xdb) {
      for (let p = start; p < end; ) {
        const pq = b[p]! >> 4;
        const tq = b[p]! & 15;
        if (pq > 1 || tq > 3) throw corrupt("JPEG", "an invalid quantization table");
        p += 1 + 64 * (pq + 1);
        if (p > end) throw corrupt("JPEG", "a quantization table of the wrong length");
        quantTables |= 1 << tq;
      }
    } else if (marker === 0xc4) {
      sawHuffman = true;
      for (let p = start; p < end; ) {
        if (p + 17 > end) throw corrupt("JPEG", "a Huffman table of the wrong length");
        const tc = b[p]! >> 4;
        const th = b[p]! & 15;
        if (tc > 1 || th > 3) throw corrupt("JPEG", "an invalid Huffman table");
        // Canonical codes: after the codes of each length l, the next code must still fit in l
        // bits (no code may be all ones), as libjpeg and photon's decoder require.
        let total = 0;
        let code = 0;
        let maxLength = 0;
        for (let l = 1; l <= 16; l++) if (b[p + l]! > 0) maxLength = l;
        for (let l = 1; l <= maxLength; l++) {
          const count = b[p + l]!;
          total += count;
          code += count;
          if (code >= 1 << l) throw corrupt("JPEG", "an invalid Huffman table");
          code <<= 1;
        }
        if (total > 256) throw corrupt("JPEG", "an invalid Huffman table");
        if (p + 17 + total > end) throw corrupt("JPEG", "a Huffman table of the wrong length");
        if (tc === 0) for (let i = p + 17; i < p + 17 + total; i++) if (b[i]! > 15) throw corrupt("JPEG", "an invalid Huffman table");
        p += 17 + total;
        if (tc === 0) dcTables |= 1 << th;
        else acTables |= 1 << th;
      }
    } else if (marker === 0xdd) {
      if (segLen !== 4) throw corrupt("JPEG", "an invalid restart interval");
    } else if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc8 && marker !== 0xcc) {
      if (frame) throw corrupt("JPEG", "more than one frame header");
      frame = parseJpegFrame(b, marker, start, segLen);
    } else if (marker === 0xda) {
      if (!frame) throw corrupt("JPEG", "image data before the frame header");
      checkJpegScan(b, start, segLen, frame, { quantTables, dcTables, acTables, sawHuffman });
      if (frame.progressive) checkProgressiveScan(b, start, frame, (progression ??= newProgression(frame)));
      if (scans === 0) firstScan = { components: b[start]!, hadHuffman: sawHuffman };
      scans++;
      // Skip the entropy-coded data up to the next marker that is not a stuffed 0xFF00 or a restart.
      let p = end;
      for (;;) {
        p = b.indexOf(0xff, p);
        if (p < 0 || p + 1 >= len) throw truncated("JPEG");
        const next = b[p + 1]!;
        if (next === 0x00 || (next >= 0xd0 && next <= 0xd7) || next === 0xff) {
          p += next === 0xff ? 1 : 2;
          continue;
        }
        break;
      }
      pos = p;
      continue;
    }
    pos = end;
  }

  if (!frame) throw scans === 0 && !sawEoi ? truncated("JPEG") : corrupt("JPEG", "no frame header");
  if (scans === 0) throw sawEoi ? corrupt("JPEG", "no image data") : truncated("JPEG");
  if (!sawEoi) throw truncated("JPEG");
  if (progression) checkProgressionComplete(progression);

  const nf = frame.components.length;
  // Three components coded as R, G, B rather than Y, Cb, Cr (libjpeg's rule).
  const rgb = nf === 3 && (adobeTransform === 0 || (!jfif && adobeTransform < 0 && frame.components.map((c) => c.id).join() === "82,71,66"));
  const baseline =
    (frame.marker === 0xc0 || frame.marker === 0xc1) && (nf === 1 || (nf === 3 && !rgb)) && scans === 1 && firstScan?.components === nf && firstScan.hadHuffman;
  if (baseline) {
    checkBaselineDimensions(frame.width, frame.height);
    return headerOf("jpeg", frame.width, frame.height, orientation, false, frame.cost, "baseline-jpeg");
  }
  checkWhole("jpeg", frame.width, frame.height, len, frame.cost, wholeJpegKind(frame.progressive, nf));
  return headerOf("jpeg", frame.width, frame.height, orientation, false, frame.cost);
}

function parseJpegFrame(b: Uint8Array, marker: number, start: number, segLen: number): JpegFrame {
  const variant = SOF_NAMES[marker];
  if (variant) {
    throw unreadable(
      `This JPEG uses ${variant} coding, which we cannot read. Open it in a photo editor, save it again as a standard JPEG, and upload it again.`,
      {
        reason: "unsupported_variant",
      },
    );
  }
  if (segLen < 8) throw corrupt("JPEG", "a short frame header");
  const precision = b[start]!;
  const height = u16be(b, start + 1);
  const width = u16be(b, start + 3);
  const nf = b[start + 5]!;
  if (segLen !== 8 + 3 * nf) throw corrupt("JPEG", "a frame header of the wrong length");
  if (precision !== 8) {
    throw unreadable(`This JPEG uses ${precision}-bit samples, which we cannot read. Save it again as a standard 8-bit JPEG and upload it again.`, {
      reason: "unsupported_variant",
    });
  }
  if (nf !== 1 && nf !== 3 && nf !== 4) throw corrupt("JPEG", `${nf} colour components`);
  const components: JpegFrame["components"] = [];
  for (let i = 0; i < nf; i++) {
    const c = start + 6 + 3 * i;
    const id = b[c]!;
    const hs = b[c + 1]! >> 4;
    const vs = b[c + 1]! & 15;
    const tq = b[c + 2]!;
    if (hs < 1 || hs > 4 || vs < 1 || vs > 4) throw corrupt("JPEG", "invalid sampling factors");
    if (tq > 3) throw corrupt("JPEG", "an invalid quantization table number");
    if (components.some((x) => x.id === id)) throw corrupt("JPEG", "two colour components with the same number");
    components.push({ id, tq });
  }
  if (height === 0) {
    throw unreadable("This JPEG does not state its height in its header, which we cannot read. Save it again as a standard JPEG and upload it again.", {
      reason: "unsupported_variant",
    });
  }
  const progressive = marker === 0xc2;
  const cost = progressive && nf === 4 ? DECODE_COST.progressiveCmyk : DECODE_COST.standard;
  checkNotEmpty("jpeg", width, height);
  // Progressive and CMYK JPEGs go to photon whatever follows: their limits are checked now, before
  // anything else is read. For the others the decoder (and so the limits) is known once the scans
  // have been seen: checked in parseJpeg.
  if (progressive || nf === 4) checkWhole("jpeg", width, height, b.length, cost, wholeJpegKind(progressive, nf));
  return { marker, width, height, progressive, components, cost };
}

function checkJpegScan(
  b: Uint8Array,
  start: number,
  segLen: number,
  frame: JpegFrame,
  tables: { quantTables: number; dcTables: number; acTables: number; sawHuffman: boolean },
) {
  const ns = b[start]!;
  if (ns < 1 || ns > frame.components.length || segLen !== 6 + 2 * ns) throw corrupt("JPEG", "an invalid scan header");
  const sel = start + 1 + 2 * ns;
  const ss = b[sel]!;
  const se = b[sel + 1]!;
  const ah = b[sel + 2]! >> 4;
  const al = b[sel + 2]! & 15;
  if (frame.progressive) {
    if (ss > se || se > 63 || (ss === 0 && se !== 0) || (ss > 0 && ns !== 1) || ah > 13 || al > 13 || (ah !== 0 && al !== ah - 1)) {
      throw corrupt("JPEG", "an invalid progressive scan");
    }
  } else if (ss !== 0 || se !== 63 || ah !== 0 || al !== 0) {
    throw corrupt("JPEG", "an invalid scan header");
  }
  // Without any Huffman table the decoder uses the standard ones (Motion-JPEG frames).
  const needDc = tables.sawHuffman && ss === 0 && ah === 0;
  const needAc = tables.sawHuffman && se > 0;
  const seen = new Set<number>();
  for (let i = 0; i < ns; i++) {
    const id = b[start + 1 + 2 * i]!;
    const td = b[start + 2 + 2 * i]! >> 4;
    const ta = b[start + 2 + 2 * i]! & 15;
    const component = frame.components.find((c) => c.id === id);
    if (!component || seen.has(id)) throw corrupt("JPEG", "a scan of an unknown colour component");
    seen.add(id);
    if (td > 3 || ta > 3 || (needDc && !(tables.dcTables & (1 << td))) || (needAc && !(tables.acTables & (1 << ta)))) {
      throw corrupt("JPEG", "a scan that uses a missing Huffman table");
    }
    if (!(tables.quantTables & (1 << component.tq))) throw corrupt("JPEG", "a missing quantization table");
  }
}
