// What the imaging benches (bench/imaging.mjs, bench/memory.mjs) bundle for node: the pipeline's
// one entry and the WebAssembly memory gauges, which live in their own modules (src/imaging/).
export { processPortrait } from "../../src/imaging/pipeline";
export { wasmMemoryBytes } from "../../src/imaging/photon";
export { colourWasmBytes } from "../../src/imaging/colour";
