/**
 * Private to lib/step: loading the TypeScript parser lazily, parsing modules
 * with an in-process cache, and hashing whitespace- and comment-insensitive
 * token text.
 *
 * @module
 */

import type ts from "npm:typescript@^5.9.0";
import { createHash } from "node:crypto";
import { extname } from "node:path";

/** The TypeScript compiler module. */
export type TypeScript = typeof ts;

let typescript: Promise<TypeScript> | undefined;

/** Files with these extensions are parsed; anything else is hashed as raw bytes of text. */
const SCRIPT_KINDS: Readonly<Record<string, keyof typeof ts.ScriptKind>> = {
  ".ts": "TS",
  ".mts": "TS",
  ".cts": "TS",
  ".tsx": "TSX",
  ".js": "JS",
  ".mjs": "JS",
  ".cjs": "JS",
  ".jsx": "JSX",
};

/** Most parsed modules kept in memory; the oldest are dropped first. */
const PARSE_CACHE_LIMIT = 1000;
const parseCache = new Map<string, ts.SourceFile>();

/**
 * Imports the TypeScript compiler on first use (it takes ~100 ms to load).
 *
 * @returns The `typescript` module.
 */
export function loadTypeScript(): Promise<TypeScript> {
  typescript ??= import("npm:typescript@^5.9.0").then(
    (module) => module.default,
    (cause) => {
      typescript = undefined;
      throw new TypeScriptUnavailableError(cause);
    },
  );
  return typescript;
}

/** The TypeScript compiler cannot be loaded here (a bundled job on a compute node). */
export class TypeScriptUnavailableError extends Error {
  /**
   * @param cause Why the import failed.
   */
  constructor(cause: unknown) {
    super(
      `Cannot load the TypeScript compiler (${
        cause instanceof Error ? cause.message : String(cause)
      })`,
      { cause },
    );
    this.name = "TypeScriptUnavailableError";
  }
}

/**
 * Hex sha256 of a string's UTF-8 bytes.
 *
 * @param text Text to hash.
 * @returns 64 lowercase hex digits.
 */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * Tells whether a file is a script the parser understands, by its extension.
 *
 * @param path File path.
 * @returns `true` for .ts, .tsx, .js, .jsx and their module variants.
 */
export function isScript(path: string): boolean {
  return extname(path).toLowerCase() in SCRIPT_KINDS;
}

/**
 * Parses a module (parent pointers set), reusing an earlier parse of the same
 * path and contents.
 *
 * @param ts The TypeScript module.
 * @param path Absolute path, used for the script kind and as the file name.
 * @param text Contents of the file.
 * @param textHash sha256 hex of `text`.
 * @returns The parsed source file.
 */
export function parseModule(
  ts: TypeScript,
  path: string,
  text: string,
  textHash: string,
): ts.SourceFile {
  const key = `${path}\0${textHash}`;
  const cached = parseCache.get(key);
  if (cached !== undefined) return cached;
  const kind = ts.ScriptKind[SCRIPT_KINDS[extname(path).toLowerCase()] ?? "TS"];
  const sourceFile = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, kind);
  if (parseCache.size >= PARSE_CACHE_LIMIT) {
    parseCache.delete(parseCache.keys().next().value as string);
  }
  parseCache.set(key, sourceFile);
  return sourceFile;
}

/**
 * Token text of a node joined by single spaces, so that whitespace and
 * comments do not matter. String literals are written in one quoting style;
 * template literals and regular expressions are kept whole.
 *
 * @param ts The TypeScript module.
 * @param node Node to normalise.
 * @param sourceFile The file holding `node`.
 * @returns The normalised text.
 */
export function normalizedText(ts: TypeScript, node: ts.Node, sourceFile: ts.SourceFile): string {
  return normalizedSource(ts, node.getText(sourceFile), sourceFile.languageVariant);
}

/**
 * Normalises source text as {@linkcode normalizedText} does.
 *
 * @param ts The TypeScript module.
 * @param text Source text.
 * @param variant Standard or JSX.
 * @returns The normalised text.
 */
export function normalizedSource(
  ts: TypeScript,
  text: string,
  variant: ts.LanguageVariant,
): string {
  const K = ts.SyntaxKind;
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, variant, text);
  const tokens: string[] = [];
  // One entry per open brace: true when it closes a template substitution.
  const braces: boolean[] = [];
  let previous: ts.SyntaxKind | undefined;
  for (let kind = scanner.scan(); kind !== K.EndOfFileToken; kind = scanner.scan()) {
    if (kind === K.OpenBraceToken) {
      braces.push(false);
    } else if (kind === K.TemplateHead) {
      braces.push(true);
    } else if (kind === K.CloseBraceToken && braces.pop() === true) {
      kind = scanner.reScanTemplateToken(false);
      if (kind === K.TemplateMiddle) braces.push(true);
    } else if (
      (kind === K.SlashToken || kind === K.SlashEqualsToken) && regexMayFollow(ts, previous)
    ) {
      kind = scanner.reScanSlashToken();
    }
    tokens.push(
      kind === K.StringLiteral ? JSON.stringify(scanner.getTokenValue()) : scanner.getTokenText(),
    );
    previous = kind;
  }
  return tokens.join(" ");
}

function regexMayFollow(ts: TypeScript, previous: ts.SyntaxKind | undefined): boolean {
  const K = ts.SyntaxKind;
  if (previous === undefined) return true;
  switch (previous) {
    case K.Identifier:
    case K.PrivateIdentifier:
    case K.NumericLiteral:
    case K.BigIntLiteral:
    case K.StringLiteral:
    case K.NoSubstitutionTemplateLiteral:
    case K.TemplateTail:
    case K.RegularExpressionLiteral:
    case K.CloseParenToken:
    case K.CloseBracketToken:
    case K.CloseBraceToken:
    case K.PlusPlusToken:
    case K.MinusMinusToken:
    case K.ThisKeyword:
    case K.SuperKeyword:
    case K.TrueKeyword:
    case K.FalseKeyword:
    case K.NullKeyword:
      return false;
    default:
      return true;
  }
}
