/**
 * Every JSON example in the repository's Markdown loads as written. A ```json block
 * names what it is after the language (```json scenario); each kind is checked by the
 * code that reads that kind of file, so an example that the loader would reject, or
 * that drifts from the format, fails here. Comments are not JSON: no jsonc blocks.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../scenarios/load-scenario.ts';
import { parseCalibration } from '../scenarios/parse-scenario.ts';
import { parseJson } from '../scenarios/json-fields.ts';
import { codeBlocks, markdownFiles, type CodeBlock } from './markdown-docs.ts';

const scratch = mkdtempSync(join(tmpdir(), 'strait-doc-examples-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * How each kind of example is loaded. A scenario goes through the real loader from a
 * file of its own, so `extends` of a built-in works and a relative path (a trace, a
 * profile, another scenario) is an error: examples stand alone.
 */
const KINDS: Readonly<Record<string, (text: string, label: string, index: number) => unknown>> = {
  scenario: (text, _label, index) => {
    const path = join(scratch, `example-${index}.json`);
    writeFileSync(path, text);
    return loadScenario(path);
  },
  calibration: (text, label) => parseCalibration(parseJson(text, label), label),
};

interface Example extends CodeBlock {
  readonly file: string;
  readonly where: string;
}

const documents = markdownFiles();
const blocks: Example[] = documents.flatMap((doc) =>
  codeBlocks(doc.text).map((block) => ({ ...block, file: doc.path, where: `${doc.path}:${block.line}` })),
);
const jsonExamples = blocks.filter((b) => b.language === 'json');

describe('documentation examples', () => {
  it('are found: the top README, the architecture, and a README per top-level folder', () => {
    const paths = documents.map((d) => d.path);
    for (const path of ['README.md', 'ARCHITECTURE.md', 'RESULTS.md']) expect(paths).toContain(path);
    for (const folder of ['sim', 'replay', 'traces', 'scenarios', 'reports', 'scripts', 'test']) expect(paths).toContain(`${folder}/README.md`);
    expect(jsonExamples.length).toBeGreaterThan(0);
  });

  it('are JSON, not JSON with comments, and every JSON block names its kind', () => {
    const problems = blocks.flatMap((b) => {
      if (b.language === 'jsonc' || b.language === 'json5') return [`${b.where}: a ${b.language} block; the loaders read plain JSON (no comments): use \`\`\`json <kind>`];
      if (b.language !== 'json') return [];
      const kind = b.tags[0];
      if (kind === undefined) return [`${b.where}: a json block without a kind; write \`\`\`json <kind> with one of ${Object.keys(KINDS).join(', ')}`];
      if (!(kind in KINDS)) return [`${b.where}: unknown kind "${kind}"; expected one of ${Object.keys(KINDS).join(', ')}`];
      return [];
    });
    expect(problems).toEqual([]);
  });

  const loadable = jsonExamples.filter((b) => b.tags[0] !== undefined && b.tags[0] in KINDS);
  it.each(loadable.map((b, index) => ({ ...b, index, kind: b.tags[0] })))('$where loads as a $kind', ({ body, kind, where, index }) => {
    let problem: string | undefined;
    try {
      KINDS[kind](body, where, index);
    } catch (error) {
      // The scratch file's path says nothing to the reader: the block's place does.
      problem = `${where}: ${(error as Error).message.split(`${scratch}/`).join('')}`;
    }
    expect(problem).toBeUndefined();
  });
});
