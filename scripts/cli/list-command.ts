import { POLICIES } from '../../sim/policy/registry.ts';
import { PREDICTORS } from '../../sim/predictor/registry.ts';
import { BUILTIN_MODELS } from '../../sim/model/builtin-models.ts';
import { builtinScenarioNames, loadScenario } from '../../scenarios/load-scenario.ts';

/** `strait list`: what a scenario can name. */
export function listCommand(): void {
  const lines: string[] = [];
  const section = (title: string, rows: [string, string][]) => {
    const width = Math.max(...rows.map(([name]) => name.length));
    lines.push(title);
    for (const [name, description] of rows) lines.push(`  ${name.padEnd(width)}  ${description}`);
    lines.push('');
  };
  section('policies:', [...POLICIES].map(([name, p]) => [name, p.description]));
  section('predictors:', [...PREDICTORS].map(([name, p]) => [name, p.description]));
  section('built-in scenarios:', builtinScenarioNames().map((name) => [name, loadScenario(name).description]));
  section('built-in models:', BUILTIN_MODELS.map((m) => [m.name, m.description]));
  process.stdout.write(lines.join('\n'));
}
