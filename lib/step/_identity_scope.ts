/**
 * Private to lib/step: which identifiers a piece of code refers to, and where
 * each one is declared. Syntax only; no type checker.
 *
 * @module
 */

import type ts from "npm:typescript@^5.9.0";
import { boundNames, type ImportBinding, moduleInfo } from "./_identity_module.ts";
import type { TypeScript } from "./_identity_source.ts";

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

const scopeDeclarations = new WeakMap<ts.Node, Map<string, ts.Node>>();

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
