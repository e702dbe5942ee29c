/**
 * Private to lib/step: what a module declares, imports and exports, which
 * identifiers a piece of code refers to, and where each one is declared.
 * Syntax only; no type checker.
 *
 * @module
 */

import type ts from "typescript";
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

/** Where an identifier is declared, as seen from the code being hashed. */
export type Resolution =
  | { readonly kind: "inside" }
  | { readonly kind: "declaration"; readonly node: ts.Node }
  | { readonly kind: "import"; readonly binding: ImportBinding }
  | { readonly kind: "global" };

/** Identifiers and dynamic `import("...")` specifiers found in a piece of code. */
export interface References {
  readonly identifiers: readonly ts.Identifier[];
  readonly dynamicImports: readonly string[];
}

const moduleInfos = new WeakMap<ts.SourceFile, ModuleInfo>();
const scopeDeclarations = new WeakMap<ts.Node, Map<string, ts.Node>>();

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

/**
 * Collects the identifiers a node refers to and its dynamic imports. Type
 * positions, property names after `.`, object literal keys and declaration
 * names are left out.
 *
 * @param ts The TypeScript module.
 * @param root Node to walk.
 * @returns Referenced identifiers in source order, and `import("...")` specifiers.
 */
export function collectReferences(ts: TypeScript, root: ts.Node): References {
  const identifiers: ts.Identifier[] = [];
  const dynamicImports: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return;
    if (ts.isExpressionWithTypeArguments(node)) {
      const clause = node.parent;
      if (!ts.isHeritageClause(clause) || clause.token === ts.SyntaxKind.ExtendsKeyword) {
        visit(node.expression);
      }
      return;
    }
    if (ts.isTypeNode(node)) return;
    if (ts.isIdentifier(node)) {
      if (isReference(ts, node)) identifiers.push(node);
      return;
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const first = node.arguments[0];
      if (first !== undefined && ts.isStringLiteralLike(first)) dynamicImports.push(first.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(root);
  return { identifiers, dynamicImports };
}

/**
 * Finds where an identifier used inside `root` is declared: inside `root`
 * itself (nothing to add), in an enclosing block or the module's top level, in
 * an import, or nowhere (a global).
 *
 * @param ts The TypeScript module.
 * @param identifier A reference found by {@linkcode collectReferences}.
 * @param root The node being hashed.
 * @returns The resolution.
 */
export function resolveName(ts: TypeScript, identifier: ts.Identifier, root: ts.Node): Resolution {
  const name = identifier.text;
  for (let node: ts.Node | undefined = identifier.parent; node; node = node.parent) {
    if (ts.isFunctionLike(node)) {
      const declared = node.parameters.some((parameter) => bindsName(ts, parameter.name, name)) ||
        ((ts.isFunctionExpression(node) || ts.isClassExpression(node)) && node.name?.text === name);
      if (declared) return { kind: "inside" };
    } else if (ts.isClassExpression(node) && node.name?.text === name) {
      return { kind: "inside" };
    } else if (ts.isCatchClause(node)) {
      const variable = node.variableDeclaration;
      if (variable !== undefined && bindsName(ts, variable.name, name)) return { kind: "inside" };
    } else if (
      ts.isForStatement(node) || ts.isForInStatement(node) || ts.isForOfStatement(node)
    ) {
      const initializer = node.initializer;
      if (
        initializer !== undefined && ts.isVariableDeclarationList(initializer) &&
        initializer.declarations.some((declaration) => bindsName(ts, declaration.name, name))
      ) return { kind: "inside" };
    }
    if (isScope(ts, node)) {
      const declaration = declarationsIn(ts, node).get(name);
      if (declaration !== undefined) {
        return isWithin(declaration, root)
          ? { kind: "inside" }
          : { kind: "declaration", node: declaration };
      }
      if (ts.isSourceFile(node)) {
        const binding = moduleInfo(ts, node).imports.get(name);
        if (binding !== undefined) return { kind: "import", binding };
      }
    }
  }
  return { kind: "global" };
}

/**
 * The declarations made directly in a block or at a module's top level:
 * functions (the implementation, not overload signatures), classes, enums,
 * namespaces and each variable declarator.
 *
 * @param ts The TypeScript module.
 * @param scope A source file, block, module block or case clause.
 * @returns Name -> declaration node.
 */
export function declarationsIn(ts: TypeScript, scope: ts.Node): ReadonlyMap<string, ts.Node> {
  const cached = scopeDeclarations.get(scope);
  if (cached !== undefined) return cached;
  const declarations = new Map<string, ts.Node>();
  const statements = isScope(ts, scope) ? (scope as ts.Block).statements : [];
  for (const statement of statements) {
    if (ts.isFunctionDeclaration(statement)) {
      const name = statement.name?.text;
      if (name !== undefined && (!declarations.has(name) || statement.body !== undefined)) {
        declarations.set(name, statement);
      }
    } else if (
      ts.isClassDeclaration(statement) || ts.isEnumDeclaration(statement) ||
      (ts.isModuleDeclaration(statement) && ts.isIdentifier(statement.name))
    ) {
      const name = statement.name?.text;
      if (name !== undefined) declarations.set(name, statement);
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        for (const name of boundNames(ts, declaration.name)) declarations.set(name, declaration);
      }
    }
  }
  scopeDeclarations.set(scope, declarations);
  return declarations;
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

function isReference(ts: TypeScript, identifier: ts.Identifier): boolean {
  const parent = identifier.parent;
  if (ts.isShorthandPropertyAssignment(parent)) return parent.name === identifier;
  if ((parent as { name?: ts.Node }).name === identifier) return false;
  if (ts.isBindingElement(parent) && parent.propertyName === identifier) return false;
  if (ts.isQualifiedName(parent) && parent.right === identifier) return false;
  if (
    (ts.isLabeledStatement(parent) || ts.isBreakOrContinueStatement(parent)) &&
    parent.label === identifier
  ) return false;
  return true;
}

function isScope(ts: TypeScript, node: ts.Node): boolean {
  return ts.isSourceFile(node) || ts.isBlock(node) || ts.isModuleBlock(node) ||
    ts.isCaseClause(node) || ts.isDefaultClause(node);
}

function isWithin(node: ts.Node, root: ts.Node): boolean {
  for (let current: ts.Node | undefined = node; current; current = current.parent) {
    if (current === root) return true;
  }
  return false;
}

function bindsName(ts: TypeScript, name: ts.BindingName, wanted: string): boolean {
  return boundNames(ts, name).includes(wanted);
}

function boundNames(ts: TypeScript, name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  const names: string[] = [];
  for (const element of name.elements) {
    if (!ts.isOmittedExpression(element)) names.push(...boundNames(ts, element.name));
  }
  return names;
}
