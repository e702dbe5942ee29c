/**
 * Private to lib/step: the import and export surface of a module, read from
 * its syntax.
 *
 * @module
 */

import type ts from "npm:typescript@^5.9.0";
import type { TypeScript } from "./_identity_source.ts";

/** A name bound by an import: `imported` is the exported name, "default" or "*". */
export interface ImportBinding {
  readonly specifier: string;
  readonly imported: string;
}

/** What an exported name stands for. */
export type ExportTarget =
  | { readonly kind: "local"; readonly name: string }
  | { readonly kind: "node"; readonly node: ts.Node }
  | { readonly kind: "import"; readonly binding: ImportBinding };

/** The import and export surface of one module. */
export interface ModuleInfo {
  /** Local name -> value import binding (type-only imports left out). */
  readonly imports: ReadonlyMap<string, ImportBinding>;
  /** Exported name -> what it stands for (type-only exports left out). */
  readonly exports: ReadonlyMap<string, ExportTarget>;
  /** Specifiers of `export * from "..."`. */
  readonly stars: readonly string[];
  /** Every specifier the module loads at run time, in source order. */
  readonly specifiers: readonly string[];
}

const moduleInfos = new WeakMap<ts.SourceFile, ModuleInfo>();

/**
 * Reads the imports and exports of a module (cached per source file).
 *
 * @param ts The TypeScript module.
 * @param sourceFile Parsed module.
 * @returns Its import and export surface.
 */
export function moduleInfo(ts: TypeScript, sourceFile: ts.SourceFile): ModuleInfo {
  const cached = moduleInfos.get(sourceFile);
  if (cached !== undefined) return cached;
  const imports = new Map<string, ImportBinding>();
  const exports = new Map<string, ExportTarget>();
  const stars: string[] = [];
  const specifiers: string[] = [];
  for (const statement of sourceFile.statements) {
    if (ts.isImportDeclaration(statement)) {
      readImport(ts, statement, imports, specifiers);
    } else if (ts.isImportEqualsDeclaration(statement)) {
      const reference = statement.moduleReference;
      if (
        !statement.isTypeOnly && ts.isExternalModuleReference(reference) &&
        ts.isStringLiteral(reference.expression)
      ) {
        const specifier = reference.expression.text;
        imports.set(statement.name.text, { specifier, imported: "*" });
        specifiers.push(specifier);
      }
    } else if (ts.isExportDeclaration(statement)) {
      readExport(ts, statement, exports, stars, specifiers);
    } else if (ts.isExportAssignment(statement)) {
      const expression = statement.expression;
      exports.set(
        "default",
        ts.isIdentifier(expression)
          ? { kind: "local", name: expression.text }
          : { kind: "node", node: expression },
      );
    } else {
      readExportedDeclaration(ts, statement, exports);
    }
  }
  const info: ModuleInfo = { imports, exports, stars, specifiers };
  moduleInfos.set(sourceFile, info);
  return info;
}

function readImport(
  ts: TypeScript,
  statement: ts.ImportDeclaration,
  imports: Map<string, ImportBinding>,
  specifiers: string[],
): void {
  if (!ts.isStringLiteral(statement.moduleSpecifier)) return;
  const specifier = statement.moduleSpecifier.text;
  const clause = statement.importClause;
  if (clause === undefined) {
    specifiers.push(specifier);
    return;
  }
  if (clause.isTypeOnly) return;
  let bound = false;
  if (clause.name !== undefined) {
    imports.set(clause.name.text, { specifier, imported: "default" });
    bound = true;
  }
  const named = clause.namedBindings;
  if (named !== undefined && ts.isNamespaceImport(named)) {
    imports.set(named.name.text, { specifier, imported: "*" });
    bound = true;
  } else if (named !== undefined) {
    for (const element of named.elements) {
      if (element.isTypeOnly) continue;
      imports.set(element.name.text, {
        specifier,
        imported: (element.propertyName ?? element.name).text,
      });
      bound = true;
    }
  }
  if (bound) specifiers.push(specifier);
}

function readExport(
  ts: TypeScript,
  statement: ts.ExportDeclaration,
  exports: Map<string, ExportTarget>,
  stars: string[],
  specifiers: string[],
): void {
  if (statement.isTypeOnly) return;
  const moduleSpecifier = statement.moduleSpecifier;
  const specifier = moduleSpecifier !== undefined && ts.isStringLiteral(moduleSpecifier)
    ? moduleSpecifier.text
    : undefined;
  const clause = statement.exportClause;
  if (clause === undefined) {
    if (specifier !== undefined) {
      stars.push(specifier);
      specifiers.push(specifier);
    }
    return;
  }
  if (ts.isNamespaceExport(clause)) {
    if (specifier === undefined) return;
    exports.set(clause.name.text, { kind: "import", binding: { specifier, imported: "*" } });
    specifiers.push(specifier);
    return;
  }
  let bound = false;
  for (const element of clause.elements) {
    if (element.isTypeOnly) continue;
    const local = (element.propertyName ?? element.name).text;
    exports.set(
      element.name.text,
      specifier === undefined
        ? { kind: "local", name: local }
        : { kind: "import", binding: { specifier, imported: local } },
    );
    bound = true;
  }
  if (bound && specifier !== undefined) specifiers.push(specifier);
}

function readExportedDeclaration(
  ts: TypeScript,
  statement: ts.Statement,
  exports: Map<string, ExportTarget>,
): void {
  const modifiers = ts.canHaveModifiers(statement) ? ts.getModifiers(statement) : undefined;
  if (!modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword)) return;
  const isDefault = modifiers.some((modifier) => modifier.kind === ts.SyntaxKind.DefaultKeyword);
  if (ts.isVariableStatement(statement)) {
    for (const declaration of statement.declarationList.declarations) {
      for (const name of boundNames(ts, declaration.name)) {
        exports.set(name, { kind: "local", name });
      }
    }
    return;
  }
  if (
    !ts.isFunctionDeclaration(statement) && !ts.isClassDeclaration(statement) &&
    !ts.isEnumDeclaration(statement) && !ts.isModuleDeclaration(statement)
  ) return;
  const name = statement.name !== undefined && ts.isIdentifier(statement.name)
    ? statement.name.text
    : undefined;
  const target: ExportTarget = name === undefined
    ? { kind: "node", node: statement }
    : { kind: "local", name };
  if (isDefault) exports.set("default", target);
  else if (name !== undefined) exports.set(name, target);
}

/**
 * Names bound by a binding name or destructuring pattern.
 *
 * @param ts The TypeScript module.
 * @param name Identifier or binding pattern.
 * @returns The bound names.
 */
export function boundNames(ts: TypeScript, name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  const names: string[] = [];
  for (const element of name.elements) {
    if (!ts.isOmittedExpression(element)) names.push(...boundNames(ts, element.name));
  }
  return names;
}
