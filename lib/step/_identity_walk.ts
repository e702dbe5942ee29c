/**
 * Private to lib/step: collects the parts of a code identity by following
 * references from a step body to same-file helpers, local modules and
 * dependencies.
 *
 * @module
 */

import type ts from "npm:typescript@^5.9.0";
import { dirname, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import {
  dependencyVersion,
  findProjectConfig,
  localPath,
  type ProjectConfig,
} from "./_identity_deps.ts";
import { type ImportBinding, moduleInfo } from "./_identity_module.ts";
import { collectReferences, declarationsIn, resolveName } from "./_identity_scope.ts";
import {
  isScript,
  normalizedSource,
  normalizedText,
  parseModule,
  sha256Hex,
  type TypeScript,
} from "./_identity_source.ts";

/**
 * drover's own directory (ending in the separator), when drover runs from files. A project
 * outside it that imports drover by path or `file:` URL counts drover as one dependency,
 * `dep:drover` with drover's version, as a linked `"drover"` import does: drover's internals
 * are not the project's code.
 */
const DROVER_DIR: string | undefined = (() => {
  const url = new URL("../../", import.meta.url);
  return url.protocol === "file:" ? fileURLToPath(url) : undefined;
})();

function insideDrover(path: string): boolean {
  return DROVER_DIR !== undefined && path.startsWith(DROVER_DIR);
}

/** A local file that was read: its text, and its parse when it is a script. */
export interface LoadedFile {
  readonly text: string;
  readonly sourceFile: ts.SourceFile | undefined;
}

/** Gathers parts and the files read while computing one code identity. */
export class IdentityCollector {
  /** Part name -> hash or version text. */
  readonly parts: Map<string, string> = new Map();
  /** Absolute path -> sha256 hex of every local file read. */
  readonly files: Map<string, string> = new Map();
  /** Project root; part names hold paths relative to it. */
  root = "/";
  readonly #ts: TypeScript;
  readonly #readFile: (path: string) => Promise<string>;
  readonly #reads = new Map<string, Promise<string | undefined>>();
  readonly #configs = new Map<string, Promise<ProjectConfig | undefined>>();
  readonly #doneNodes = new Set<ts.Node>();
  readonly #doneModules = new Set<string>();
  readonly #doneExports = new Set<string>();

  constructor(typescript: TypeScript, readFile: (path: string) => Promise<string>) {
    this.#ts = typescript;
    this.#readFile = readFile;
  }

  /** Reads a file once, recording its hash; `undefined` when it cannot be read. */
  read(path: string): Promise<string | undefined> {
    let pending = this.#reads.get(path);
    if (pending === undefined) {
      pending = this.#readFile(path).then(
        (text) => {
          this.files.set(path, sha256Hex(text));
          return text;
        },
        () => undefined,
      );
      this.#reads.set(path, pending);
    }
    return pending;
  }

  /** Reads and, for scripts, parses a local file. */
  async load(path: string): Promise<LoadedFile | undefined> {
    const text = await this.read(path);
    if (text === undefined) return undefined;
    const hash = this.files.get(path) ?? sha256Hex(text);
    return {
      text,
      sourceFile: isScript(path) ? parseModule(this.#ts, path, text, hash) : undefined,
    };
  }

  /** The nearest deno.json of a directory, looked up once per directory. */
  config(dir: string): Promise<ProjectConfig | undefined> {
    let pending = this.#configs.get(dir);
    if (pending === undefined) {
      pending = findProjectConfig(this.#ts, dir, (path) => this.read(path));
      this.#configs.set(dir, pending);
    }
    return pending;
  }

  /** Marks a node as already hashed, so references back to it add nothing. */
  markDone(node: ts.Node): void {
    this.#doneNodes.add(node);
  }

  /** Path relative to the project root with "/" separators. */
  relativePath(path: string): string {
    return relative(this.root, path).split(sep).join("/");
  }

  /** Adds the parts for everything `node` refers to, transitively. */
  async addReferences(node: ts.Node, sourceFile: ts.SourceFile): Promise<void> {
    const ts = this.#ts;
    const { identifiers, dynamicImports } = collectReferences(ts, node);
    for (const identifier of identifiers) {
      const resolution = resolveName(ts, identifier, node);
      if (resolution.kind === "declaration") {
        await this.addDeclaration(resolution.node, identifier.text, sourceFile);
      } else if (resolution.kind === "import") {
        await this.addImport(resolution.binding, sourceFile.fileName);
      }
    }
    for (const specifier of dynamicImports) {
      await this.addImport({ specifier, imported: "*" }, sourceFile.fileName);
    }
  }

  /** Adds part `helper:<file>::<name>` for a declaration, then what it refers to. */
  async addDeclaration(node: ts.Node, name: string, sourceFile: ts.SourceFile): Promise<void> {
    if (this.#doneNodes.has(node)) return;
    this.#doneNodes.add(node);
    const base = `helper:${this.relativePath(sourceFile.fileName)}::${name}`;
    let key = base;
    for (let n = 2; this.parts.has(key); n++) key = `${base}#${n}`;
    this.parts.set(key, sha256Hex(normalizedText(this.#ts, node, sourceFile)));
    await this.addReferences(node, sourceFile);
  }

  /** Adds the parts for a name bound by an import in `fromFile`. */
  async addImport(binding: ImportBinding, fromFile: string): Promise<void> {
    const path = localPath(binding.specifier, fromFile);
    if (path === undefined) {
      await this.addDependency(binding.specifier, fromFile);
    } else if (insideDrover(path) && !insideDrover(fromFile)) {
      await this.addDroverDependency();
    } else if (binding.imported === "*" || binding.imported === "default") {
      await this.addModule(path);
    } else if (!(await this.addExport(path, binding.imported, new Set()))) {
      await this.addModule(path);
    }
  }

  /**
   * Adds the parts for one export of a local module, following re-exports.
   * Returns false when the module does not export the name.
   */
  async addExport(path: string, name: string, searching: Set<string>): Promise<boolean> {
    const ts = this.#ts;
    const loaded = await this.load(path);
    const sourceFile = loaded?.sourceFile;
    if (sourceFile === undefined) {
      await this.addModule(path);
      return true;
    }
    const info = moduleInfo(ts, sourceFile);
    const target = info.exports.get(name);
    if (target !== undefined) {
      const key = `${path}\0${name}`;
      if (this.#doneExports.has(key)) return true;
      this.#doneExports.add(key);
      if (target.kind === "import") {
        await this.addImport(target.binding, path);
      } else if (target.kind === "node") {
        await this.addDeclaration(target.node, name, sourceFile);
      } else {
        const declaration = declarationsIn(ts, sourceFile).get(target.name);
        const binding = info.imports.get(target.name);
        if (declaration !== undefined) {
          await this.addDeclaration(declaration, target.name, sourceFile);
        } else if (binding !== undefined) {
          await this.addImport(binding, path);
        } else {
          await this.addModule(path);
        }
      }
      return true;
    }
    if (searching.has(path)) return false;
    searching.add(path);
    const remoteStars: string[] = [];
    for (const specifier of info.stars) {
      const starPath = localPath(specifier, path);
      if (starPath === undefined) remoteStars.push(specifier);
      else if (await this.addExport(starPath, name, searching)) return true;
    }
    // The name may come from a dependency re-exported with `export *`.
    for (const specifier of remoteStars) await this.addDependency(specifier, path);
    return remoteStars.length > 0;
  }

  /**
   * Adds part `module:<file>` for a whole local module, and conservatively
   * everything it loads.
   */
  async addModule(path: string): Promise<void> {
    if (this.#doneModules.has(path)) return;
    this.#doneModules.add(path);
    const key = `module:${this.relativePath(path)}`;
    const loaded = await this.load(path);
    if (loaded === undefined) {
      this.parts.set(key, "unreadable");
      return;
    }
    const sourceFile = loaded.sourceFile;
    if (sourceFile === undefined) {
      this.parts.set(key, sha256Hex(loaded.text));
      return;
    }
    this.parts.set(
      key,
      sha256Hex(normalizedSource(this.#ts, sourceFile.text, sourceFile.languageVariant)),
    );
    const specifiers = [
      ...moduleInfo(this.#ts, sourceFile).specifiers,
      ...collectReferences(this.#ts, sourceFile).dynamicImports,
    ];
    for (const specifier of specifiers) {
      await this.addImport({ specifier, imported: "*" }, path);
    }
  }

  /** Adds part `dep:drover` with the version in drover's deno.json. */
  async addDroverDependency(): Promise<void> {
    if (this.parts.has("dep:drover")) return;
    const text = await this.read(`${DROVER_DIR}deno.json`);
    let version: unknown;
    try {
      version = text === undefined ? undefined : JSON.parse(text).version;
    } catch {
      version = undefined;
    }
    this.parts.set("dep:drover", typeof version === "string" ? version : "unversioned");
  }

  /** Adds part `dep:<specifier>` with the dependency's resolved version. */
  async addDependency(specifier: string, fromFile: string): Promise<void> {
    const key = `dep:${specifier}`;
    if (this.parts.has(key)) return;
    const config = await this.config(dirname(fromFile));
    this.parts.set(key, dependencyVersion(specifier, config));
  }
}
