import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import releaseSyncExport from '@jitl/quickjs-wasmfile-release-sync';
import {
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type EmscriptenModuleLoaderOptions,
  type QuickJSSyncVariant,
  type QuickJSWASMModule,
} from 'quickjs-emscripten-core';
import { definedOnly } from '../core/defined-only.ts';

/**
 * WebAssembly instances of QuickJS, each with its own capped linear memory. Each sandbox worker
 * keeps its own few idle instances; the compiled module is shared by all workers of a process.
 *
 * Why instances and not one shared module: this QuickJS build cannot measure its allocations
 * (`malloc_usable_size` is unavailable, so `setMemoryLimit` counts only 8 bytes per block and
 * large arrays and strings slip through). The WebAssembly memory's `maximum` is a limit that
 * cannot be slipped: when it is reached, malloc fails and QuickJS throws "out of memory".
 * So each call borrows an instance whose memory maximum matches its limit, and gives it back.
 * An instance that faulted (host stack overflow, a trap) is dropped, never reused, and so is one
 * whose memory grew large or full: WASM memory never shrinks, so keeping it would hold the memory
 * of the call's peak, and a full one would make the next call's memory evidence ambiguous.
 * The WASM code is compiled once per process; instantiating it takes about a millisecond.
 * Only the release-sync build is imported (through the core package): the umbrella package would
 * also load the definitions of three unused builds, which costs a fresh process about 15 ms.
 */
export interface QuickJsInstance {
  readonly module: QuickJSWASMModule;
  readonly memory: WasmMemory;
  /** The memory's maximum in bytes. */
  readonly capacityBytes: number;
  /** Set when the instance must not be reused. */
  broken: boolean;
}

/** The parts of the WebAssembly API used here (the project's `lib` setting has no WebAssembly types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
  compile(bytes: Uint8Array): Promise<WasmModule>;
}
type WasmModule = object;
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const PAGE_BYTES = 65536;
/** The build's memory starts at 16 MiB (static data, C stack, then the heap) and may not start smaller. */
const INITIAL_PAGES = 256;
/** What the instance uses before the guest allocates anything; measured at about 6.5 MiB. */
const BASELINE_BYTES = 8 * 1024 * 1024;
const MAX_IDLE_PER_CAPACITY = 1;
const MAX_IDLE_TOTAL = 2;
/** An instance whose memory grew beyond this is not kept idle. */
const MAX_RETAINED_BYTES = 64 * 1024 * 1024;
/** Within this much of its maximum, an instance's memory counts as full. */
const FULL_MARGIN_BYTES = 2 * 1024 * 1024;

/**
 * The package's typings describe its CommonJS build, where the variant sits under `.default`;
 * imported as ESM (as here) the default export is the variant itself. Both shapes are accepted.
 */
const RELEASE_SYNC = ('default' in releaseSyncExport ? releaseSyncExport.default : releaseSyncExport) as unknown as QuickJSSyncVariant;

let compiledModule: Promise<WasmModule | undefined> | undefined;
/** Workers get the module compiled by the host thread (`useCompiledQuickJs`) instead of compiling their own. */
const idle = new Map<number, QuickJsInstance[]>();

/** The memory maximum, in pages, that gives the guest about `memoryLimitBytes` of heap. */
export function capacityPagesFor(memoryLimitBytes: number): number {
  return Math.max(INITIAL_PAGES, Math.ceil((memoryLimitBytes + BASELINE_BYTES) / PAGE_BYTES));
}

export async function acquireInstance(memoryLimitBytes: number): Promise<QuickJsInstance> {
  const pages = capacityPagesFor(memoryLimitBytes);
  const reusable = idle.get(pages)?.pop();
  if (reusable !== undefined) return reusable;
  return createInstance(pages);
}

export function releaseInstance(instance: QuickJsInstance): void {
  if (instance.broken) return;
  const used = instance.memory.buffer.byteLength;
  if (used > MAX_RETAINED_BYTES || used >= instance.capacityBytes - FULL_MARGIN_BYTES) return;
  const pages = instance.capacityBytes / PAGE_BYTES;
  const list = idle.get(pages) ?? [];
  const total = [...idle.values()].reduce((sum, entries) => sum + entries.length, 0);
  if (list.length >= MAX_IDLE_PER_CAPACITY || total >= MAX_IDLE_TOTAL) return;
  list.push(instance);
  idle.set(pages, list);
}

/** Drops every idle instance (their memory is reclaimed by the garbage collector). */
export function clearInstancePool(): void {
  idle.clear();
}

/** Compiles the QuickJS WebAssembly once; later calls reuse the compiled module (undefined: let emscripten load it). */
export function compileQuickJs(): Promise<WasmModule | undefined> {
  return compile();
}

/** Uses a module compiled elsewhere (the host thread sends one to each worker). */
export function useCompiledQuickJs(module: WasmModule | undefined): void {
  if (module !== undefined) compiledModule = Promise.resolve(module);
}

async function createInstance(pages: number): Promise<QuickJsInstance> {
  const memory = new wasm.Memory({ initial: INITIAL_PAGES, maximum: pages });
  const compiled = await compile();
  const variant = newVariant(RELEASE_SYNC, {
    wasmMemory: memory,
    // QuickJS assertion messages after a fault would go to our stderr; the fault is reported in the result instead.
    // (Emscripten reads print/printErr from the module options; the typings do not list them.)
    emscriptenModule: Object.assign({} as EmscriptenModuleLoaderOptions, { printErr: () => {}, print: () => {} }),
    ...definedOnly({ wasmModule: compiled }),
  });
  const module = await newQuickJSWASMModuleFromVariant(variant);
  return { module, memory, capacityBytes: pages * PAGE_BYTES, broken: false };
}

function compile(): Promise<WasmModule | undefined> {
  compiledModule ??= (async () => {
    try {
      const bytes = await readFile(createRequire(import.meta.url).resolve('@jitl/quickjs-wasmfile-release-sync/wasm'));
      return await wasm.compile(bytes);
    } catch {
      // Unusual layouts: let the emscripten loader find and compile the file itself, per instance.
      return undefined;
    }
  })();
  return compiledModule;
}
