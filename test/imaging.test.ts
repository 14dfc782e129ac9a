import { describe, it } from "vitest";
import { PhotonImage, initPhoton } from "@cf-wasm/photon";
import { processPortrait, wasmMemoryBytes } from "../src/services/imaging";
import { BIG } from "./helpers/_tmp_big";
import { pngChunk, concat, PNG_SIGNATURE, zlib, fromBase64, gradient, encodeJpeg, encodePng, decodeJpeg, realFile, jpegSegments } from "./helpers/images";

const mem = async () => (await wasmMemoryBytes()) / 1048576;

describe("explore", () => {
  it("jsmem", async () => {
    const p = (globalThis as any).process;
    console.log("memoryUsage", typeof p?.memoryUsage, (() => { try { return JSON.stringify(p.memoryUsage()); } catch (e) { return String(e); } })());
    console.log("perf", JSON.stringify((performance as any).memory ?? null));
  });
  it("leak", async () => {
    const good = encodeJpeg(gradient(1500, 2000), 85);
    const segs = jpegSegments(good);
    const sos = segs.at(-1)!.end;
    for (const mode of ["garbage", "cut", "pngcrc"]) {
      for (let i = 0; i < 4; i++) {
        let bad: Uint8Array;
        if (mode === "garbage") {
          bad = good.slice();
          for (let p = sos + 1000; p < bad.length - 2000; p++) bad[p] = (p * 7919) % 255;
        } else {
          // truncated scan then EOI appended
          bad = new Uint8Array([...good.subarray(0, sos + Math.floor((good.length - sos) / 2)), 0xff, 0xd9]);
        }
        const m0 = await mem();
        let res = "ok";
        try { processPortrait(bad); } catch (e) { res = String(e).slice(0, 120); }
        console.log(mode, i, res, m0, "->", await mem());
      }
    }
  });
  it("leakpng", async () => {
    const w = 1500, h = 2000;
    const raw = new Uint8Array((w * 3 + 1) * h);
    for (let i = 0; i < raw.length; i++) raw[i] = i % (w * 3 + 1) === 0 ? 0 : (i * 31) & 0xff;
    const z = await zlib(raw);
    const ihdr = new Uint8Array(13); new DataView(ihdr.buffer).setUint32(0, w); new DataView(ihdr.buffer).setUint32(4, h); ihdr[8] = 8; ihdr[9] = 2;
    const broken = z.slice(); for (let p = Math.floor(z.length * 0.6); p < z.length - 10; p++) broken[p] = (p * 7919) & 0xff;
    const short = z.slice(0, Math.floor(z.length * 0.6));
    for (const [mode, data] of [["garbage", broken], ["short", short]] as const) {
      for (let i = 0; i < 3; i++) {
        const png = concat([PNG_SIGNATURE, pngChunk("IHDR", ihdr), pngChunk("IDAT", data), pngChunk("IEND")]);
        const m0 = await mem();
        let res = "ok";
        try { processPortrait(png); } catch (e) { res = String(e).slice(0, 150); }
        console.log(mode, i, res, m0, "->", await mem());
      }
    }
    const good = concat([PNG_SIGNATURE, pngChunk("IHDR", ihdr), pngChunk("IDAT", z), pngChunk("IEND")]);
    const m0 = await mem(); processPortrait(good); console.log("good after", m0, "->", await mem());
  });
  it("view", async () => {
    const img = PhotonImage.new_from_byteslice(realFile("jpeg420"));
    const d = img.get_image_data().data;
    console.log("isView", d.buffer === (await initPhoton.ensure()).memory.buffer, d.length);
    img.free();
    const out = processPortrait(realFile("jpeg420"));
    for (const k of ["thumb", "card", "full"] as const) {
      const r = decodeJpeg(out.renditions[k]);
      console.log(k, r.width, r.height, out.renditions[k].length, jpegSegments(out.renditions[k]).map((s) => s.marker.toString(16)).join(","));
    }
  });
  for (const name of Object.keys(BIG)) {
    it(`big ${name}`, async () => {
      const bytes = fromBase64(BIG[name]!);
      const m0 = await mem();
      let t = Date.now();
      const img = PhotonImage.new_from_byteslice(bytes);
      const w = img.get_width(), h = img.get_height();
      const td = Date.now() - t;
      img.free();
      const m1 = await mem();
      console.log(JSON.stringify({ name, bytes: bytes.length, mp: (w * h) / 1e6, base: m0, afterDecode: m1, perPx: +(((m1 - m0) * 1048576) / (w * h)).toFixed(2), decodeMs: td }));
      t = Date.now();
      try { processPortrait(bytes); } catch (e) { console.log(String(e)); }
      console.log(JSON.stringify({ name, afterProcess: await mem(), processMs: Date.now() - t }));
    });
  }
  for (const [w, h] of [[640, 800], [1200, 1500], [1600, 2000], [2000, 2500], [2400, 3000], [3000, 4000]] as const) {
    for (const kind of ["jpeg", "png", "png16", "rgba"]) {
      it(`mem ${kind} ${w}x${h}`, async () => {
        const r = gradient(w, h);
        const bytes = kind === "jpeg" ? encodeJpeg(r, 85) : await encodePng(r, kind === "png16" ? { colorType: 2, bitDepth: 16 } : kind === "rgba" ? { colorType: 6 } : { colorType: 2 });
        const m0 = await mem();
        let t = Date.now();
        const img = PhotonImage.new_from_byteslice(bytes);
        const td = Date.now() - t;
        img.free();
        const m1 = await mem();
        console.log(JSON.stringify({ kind, w, h, bytes: bytes.length, mp: (w * h) / 1e6, base: m0, afterDecode: m1, perPx: +(((m1 - m0) * 1048576) / (w * h)).toFixed(2), decodeMs: td }));
        t = Date.now();
        processPortrait(bytes);
        const tp = Date.now() - t;
        const m2 = await mem();
        t = Date.now();
        processPortrait(bytes);
        const tp2 = Date.now() - t;
        const m3 = await mem();
        console.log(JSON.stringify({ kind, w, h, bytes: bytes.length, mp: (w * h) / 1e6, base: m0, afterDecode: m1, afterProcess: m2, after2: m3, perPx: +(((m1 - m0) * 1048576) / (w * h)).toFixed(2), decodeMs: td, processMs: tp, process2Ms: tp2 }));
      });
    }
  }
});
