import { resolve, sep } from 'node:path';
import { InputError } from '../../sim/core/errors.ts';
import { buildReport } from '../../reports/build-report.ts';
import { readReportSource } from '../../reports/data/report-source.ts';
import { reportHtml } from '../../reports/html.ts';
import { dejaVuSans, renderFigure } from '../../reports/render.ts';
import { REPORT_INDEX, ReportDirectory } from '../../reports/report-directory.ts';
import type { Report } from '../../reports/report-model.ts';

export interface ReportCommandOptions {
  readonly out: string;
  readonly run?: string;
}

export interface ReportResult {
  readonly report: Report;
  /** Every file written, by name, inside the output directory. */
  readonly files: readonly string[];
}

/**
 * `strait report DIR --out OUT`: figures of a run directory or a sweep directory,
 * each as NAME.vl.json, NAME.svg and NAME.png, and index.html with every figure and
 * the summary tables. OUT is written atomically.
 */
export async function reportCommand(dir: string, options: ReportCommandOptions): Promise<ReportResult> {
  const out = resolve(options.out);
  const source = resolve(dir);
  if (out === source || source.startsWith(out + sep)) throw new InputError(`--out ${options.out}: would replace the directory being reported; choose another --out`);
  const report = await buildReport(readReportSource(dir), { run: options.run });
  if (dejaVuSans() === undefined) {
    process.stderr.write('strait: DejaVu Sans not found (Debian: apt-get install fonts-dejavu-core); the PNGs use the system fonts\n');
  }
  const directory = ReportDirectory.open(options.out);
  const files: string[] = [];
  const write = (name: string, contents: string | Uint8Array) => {
    directory.writeFile(name, contents);
    files.push(name);
  };
  try {
    const svgs = new Map<string, string>();
    for (const figure of report.figures) {
      const rendered = await renderFigure(figure.spec);
      write(`${figure.name}.vl.json`, JSON.stringify(figure.spec, null, 2) + '\n');
      write(`${figure.name}.svg`, rendered.svg);
      write(`${figure.name}.png`, rendered.png);
      svgs.set(figure.name, rendered.svg);
    }
    write(REPORT_INDEX, reportHtml(report, svgs));
    directory.commit();
  } catch (error) {
    directory.discard();
    throw error;
  }
  const width = Math.max(...report.figures.map((f) => f.name.length));
  process.stdout.write(report.figures.map((f) => `${f.name.padEnd(width)}  ${f.title}`).join('\n') + '\n');
  process.stderr.write(`wrote ${options.out}/ (${REPORT_INDEX} and ${report.figures.length} figures as .vl.json, .svg and .png)\n`);
  return { report, files };
}
