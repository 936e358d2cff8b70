/**
 * Reading the repository's Markdown documents for the documentation tests: which files
 * there are, their fenced code blocks, their links and their inline code spans. A
 * small line-based reader, enough for the Markdown these documents use (fences of
 * backticks or tildes, inline links, reference definitions, code spans).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..');

/**
 * Folders that hold no documentation of the repository: dependencies, version control,
 * and the output places .gitignore names (a user's runs must not fail the tests).
 */
const SKIPPED_DIRS = new Set(['node_modules', 'runs', 'scratch', 'tmp']);

export interface MarkdownFile {
  /** Path relative to the repository root, with forward slashes. */
  readonly path: string;
  readonly absolute: string;
  readonly text: string;
}

/** Every .md file of the repository, in path order. */
export function markdownFiles(root: string = REPO_ROOT): MarkdownFile[] {
  const found: MarkdownFile[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name.includes('.tmp-')) continue;
      const absolute = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(absolute);
      } else if (entry.isFile() && entry.name.toLowerCase().endsWith('.md')) {
        found.push({ path: relative(root, absolute).split('\\').join('/'), absolute, text: readFileSync(absolute, 'utf8') });
      }
    }
  };
  walk(root);
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export interface CodeBlock {
  /** The info string's first word (the language), lower case; '' when absent. */
  readonly language: string;
  /** The info string's remaining words (e.g. the kind of a JSON example). */
  readonly tags: readonly string[];
  readonly body: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** 1-based line of the closing fence (the last line when the block is never closed). */
  readonly endLine: number;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;

/** The fenced code blocks of a document, in order. */
export function codeBlocks(text: string): CodeBlock[] {
  const lines = text.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (open === null) continue;
    const fence = open[1];
    const [language = '', ...tags] = open[2].trim().split(/\s+/).filter((w) => w !== '');
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = FENCE.exec(lines[j]);
      if (close !== null && close[1][0] === fence[0] && close[1].length >= fence.length && close[2].trim() === '') break;
      body.push(lines[j]);
    }
    blocks.push({ language: language.toLowerCase(), tags, body: body.join('\n'), line: i + 1, endLine: Math.min(j + 1, lines.length) });
    i = j;
  }
  return blocks;
}

/** The document's prose: fenced blocks replaced by empty lines, so line numbers hold. */
export function prose(text: string): string {
  const lines = text.split('\n');
  for (const block of codeBlocks(text)) {
    for (let k = block.line - 1; k < block.endLine; k++) lines[k] = '';
  }
  return lines.join('\n');
}

export interface Found {
  readonly value: string;
  /** 1-based line. */
  readonly line: number;
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let k = 0; k < index; k++) if (text.charCodeAt(k) === 10) line++;
  return line;
}

/** Inline code spans of the prose (backtick runs of any length). */
export function codeSpans(text: string): Found[] {
  const body = prose(text);
  const spans: Found[] = [];
  const span = /(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g;
  for (let m = span.exec(body); m !== null; m = span.exec(body)) {
    spans.push({ value: m[2].trim(), line: lineOf(body, m.index) });
  }
  return spans;
}

/** Link and image targets of the prose: `[text](target)` and `[label]: target`. */
export function linkTargets(text: string): Found[] {
  // Code spans are not links: blank them out, keeping offsets.
  const body = prose(text).replace(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g, (m) => m.replace(/[^\n]/g, ' '));
  const targets: Found[] = [];
  const inline = /\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
  for (let m = inline.exec(body); m !== null; m = inline.exec(body)) targets.push({ value: m[1], line: lineOf(body, m.index) });
  const definition = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$/gm;
  for (let m = definition.exec(body); m !== null; m = definition.exec(body)) targets.push({ value: m[1], line: lineOf(body, m.index) });
  return targets;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors a document's headings define (duplicates numbered as GitHub does). */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of prose(text).split('\n')) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading === null) continue;
    const base = headingAnchor(heading[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}
