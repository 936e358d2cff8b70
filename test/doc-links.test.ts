/**
 * The repository's Markdown points only inside the repository: a relative link
 * resolves to a file or folder that exists (and a #section to a heading there), no
 * link or `..` path climbs out of the repository root, and a path in a code span that
 * starts with a top-level folder (`sim/gpu/sharing.ts`) names something that exists.
 * Web links (http, https, mailto) are allowed; absolute and file: paths are not.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, anchors, codeSpans, linkTargets, markdownFiles } from './markdown-docs.ts';

const documents = markdownFiles();

/** Whether an absolute path lies inside the repository. */
function insideRepo(path: string): boolean {
  const rel = relative(REPO_ROOT, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** What is wrong with one link target of a document, or undefined. */
function linkProblem(docPath: string, docText: string, target: string): string | undefined {
  if (/^(https?:|mailto:)/i.test(target)) return undefined;
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return `"${target}" uses a scheme other than http(s) or mailto`;
  const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
  const path = decodeURI(pathPart.split('?')[0]);
  if (path === '') {
    return anchor === undefined || anchors(docText).has(anchor) ? undefined : `"#${anchor}": no such heading in this file`;
  }
  if (isAbsolute(path)) return `"${target}" is an absolute path; link relative to this file, inside the repository`;
  const resolved = resolve(REPO_ROOT, dirname(docPath), path);
  if (!insideRepo(resolved)) return `"${target}" points outside the repository`;
  if (!existsSync(resolved)) return `"${target}": no such file or folder (${relative(REPO_ROOT, resolved)})`;
  if (anchor !== undefined && resolved.endsWith('.md') && statSync(resolved).isFile()) {
    if (!anchors(readFileSync(resolved, 'utf8')).has(anchor)) return `"${target}": no heading "#${anchor}" in ${relative(REPO_ROOT, resolved)}`;
  }
  return undefined;
}

/** A code span that reads as a path inside one of the repository's top-level folders. */
const REPO_PATH = /^(?:sim|replay|traces|scenarios|reports|scripts|test|\.ci)\/[\w.\/-]*$/;

describe('documentation links and paths', () => {
  it.each(documents.map((d) => ({ path: d.path, text: d.text })))('$path: links resolve inside the repository', ({ path, text }) => {
    const problems = linkTargets(text).flatMap((t) => {
      const problem = linkProblem(path, text, t.value);
      return problem === undefined ? [] : [`${path}:${t.line}: ${problem}`];
    });
    expect(problems).toEqual([]);
  });

  it.each(documents.map((d) => ({ path: d.path, text: d.text })))('$path: no ".." path leaves the repository', ({ path, text }) => {
    const problems: string[] = [];
    const climb = /(?:^|[^\w.\/-])((?:\.\.\/)+[^\s)`'"<>\]]*)/g;
    for (const [index, line] of text.split('\n').entries()) {
      for (let m = climb.exec(line); m !== null; m = climb.exec(line)) {
        if (!insideRepo(resolve(REPO_ROOT, dirname(path), m[1]))) problems.push(`${path}:${index + 1}: "${m[1]}" points outside the repository`);
      }
    }
    expect(problems).toEqual([]);
  });

  it.each(documents.map((d) => ({ path: d.path, text: d.text })))('$path: repository paths in code spans exist', ({ path, text }) => {
    const problems = codeSpans(text)
      .filter((span) => REPO_PATH.test(span.value))
      .filter((span) => !existsSync(resolve(REPO_ROOT, span.value)))
      .map((span) => `${path}:${span.line}: \`${span.value}\` does not exist (paths in code spans are relative to the repository root)`);
    expect(problems).toEqual([]);
  });
});
