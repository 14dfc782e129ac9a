// esbuild plugin for node bundles of Worker code: `import m from "x.wasm"` gives a compiled
// WebAssembly.Module, as wrangler's CompiledWasm rule does in workerd (src/imaging/colour.ts
// imports LittleCMS that way).
export const wasmModulePlugin = {
  name: "wasm-module",
  setup(build) {
    build.onLoad({ filter: /\.wasm$/ }, (args) => ({
      contents: `import { readFileSync } from "node:fs";\nexport default new WebAssembly.Module(readFileSync(${JSON.stringify(args.path)}));\n`,
      loader: "js",
    }));
  },
};
