import { InputError } from '../sim/core/errors.ts';
import { describeNumberRule, fitsNumberRule, type NumberRule } from '../sim/core/params.ts';

function describe(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '...' : value);
  return String(value);
}

export type { NumberRule } from '../sim/core/params.ts';

/**
 * A cursor into parsed JSON that knows its file and path, so every complaint names
 * both ("default.json: workload.streams[2].model: expected one of ..., got ...").
 */
export class Field {
  constructor(
    readonly file: string,
    readonly path: string,
    readonly value: unknown,
  ) {}

  fail(expected: string): never {
    throw new InputError(`${this.file}: ${this.path || '(top level)'}: expected ${expected}, got ${describe(this.value)}`);
  }

  get present(): boolean {
    return this.value !== undefined;
  }

  /** Checks that this is an object with no keys outside `allowed`. */
  object(allowed: readonly string[]): this {
    const v = this.value;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) this.fail('an object');
    for (const key of Object.keys(v as object)) {
      if (!allowed.includes(key)) {
        throw new InputError(
          `${this.file}: ${this.child(key).path}: unknown field; expected ${allowed.length > 0 ? `one of ${allowed.join(', ')}` : 'no fields here'}`,
        );
      }
    }
    return this;
  }

  child(key: string): Field {
    const v = this.value as Record<string, unknown> | undefined;
    return new Field(this.file, this.path ? `${this.path}.${key}` : key, v?.[key]);
  }

  /** Exactly one of the given keys must be present; returns which. */
  exactlyOne(keys: readonly string[]): string {
    const v = this.value as Record<string, unknown>;
    const present = keys.filter((k) => v[k] !== undefined);
    if (present.length !== 1) {
      throw new InputError(
        `${this.file}: ${this.path || '(top level)'}: expected exactly one of ${keys.join(', ')}, got ${present.length === 0 ? 'none' : present.join(' and ')}`,
      );
    }
    return present[0];
  }

  number(rule: NumberRule = {}): number {
    if (!fitsNumberRule(this.value, rule)) this.fail(describeNumberRule(rule));
    return this.value;
  }

  string(): string {
    if (typeof this.value !== 'string' || this.value.length === 0) this.fail('a non-empty string');
    return this.value;
  }

  oneOf<T extends string>(choices: readonly T[]): T {
    const v = this.value;
    if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
      this.fail(`one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`);
    }
    return v as T;
  }

  items(minLength = 0): Field[] {
    const v = this.value;
    if (!Array.isArray(v) || v.length < minLength) {
      this.fail(minLength > 0 ? `an array with at least ${minLength} element${minLength > 1 ? 's' : ''}` : 'an array');
    }
    return v.map((item, i) => new Field(this.file, `${this.path}[${i}]`, item));
  }

  entries(): [string, Field][] {
    this.object(Object.keys((this.value ?? {}) as object));
    return Object.keys(this.value as object).map((key) => [key, this.child(key)]);
  }

  optional<T>(read: (field: Field) => T, fallback: T): T {
    return this.present ? read(this) : fallback;
  }
}

/**
 * Parses JSON text, reporting a syntax error as one line with its line and column.
 * V8 gives no position for some errors ("Unexpected token 'x', ...source... is not
 * valid JSON", with the source's newlines inside), so the position comes from
 * jsonErrorOffset and only the first clause of V8's message is kept.
 */
export function parseJson(text: string, file: string): unknown {
  if (text.trim() === '') throw new InputError(`${file}: invalid JSON: the file is empty`);
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const reason = message
      .replace(/, [\s\S]* is not valid JSON$/, '')
      .replace(/ (in JSON )?at position \d+[\s\S]*$/, '')
      .replace(/\s+/g, ' ');
    const match = /position (\d+)/.exec(message);
    const position = jsonErrorOffset(text) ?? (match ? Number(match[1]) : /end of JSON input/.test(message) ? text.length : undefined);
    if (position === undefined) throw new InputError(`${file}: invalid JSON: ${reason}`);
    const before = text.slice(0, position);
    const line = before.split('\n').length;
    const column = position - before.lastIndexOf('\n');
    throw new InputError(`${file}: invalid JSON at line ${line}, column ${column}: ${reason}`);
  }
}

class JsonStop {
  constructor(readonly at: number) {}
}

/**
 * Offset of the first character at which `text` stops being JSON (text.length when it
 * ends too early), by the RFC 8259 grammar; undefined if it is valid JSON.
 */
export function jsonErrorOffset(text: string): number | undefined {
  const n = text.length;
  let i = 0;
  const stop = (): never => {
    throw new JsonStop(i);
  };
  const space = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const expect = (ch: string) => {
    if (text[i] !== ch) stop();
    i++;
  };
  const digits = () => {
    const start = i;
    while (i < n && text[i] >= '0' && text[i] <= '9') i++;
    if (i === start) stop();
  };
  const string = () => {
    expect('"');
    for (;;) {
      if (i >= n) stop();
      const c = text.charCodeAt(i);
      if (c === 0x22) return void i++;
      if (c < 0x20) stop();
      i++;
      if (c === 0x5c) {
        if (text[i] === 'u') {
          i++;
          for (let k = 0; k < 4; k++) {
            if (!/[0-9a-fA-F]/.test(text[i] ?? '')) stop();
            i++;
          }
        } else if (i < n && '"\\/bfnrt'.includes(text[i])) i++;
        else stop();
      }
    }
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      space();
      if (text[i] === close) return void i++;
      for (;;) {
        if (c === '{') {
          space();
          string();
          space();
          expect(':');
        }
        value();
        space();
        if (text[i] === close) return void i++;
        expect(',');
      }
    }
    if (c === '"') return string();
    for (const word of ['true', 'false', 'null']) {
      if (c === word[0]) {
        for (const ch of word) expect(ch);
        return;
      }
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      if (text[i] === '-') i++;
      if (text[i] === '0') i++;
      else digits();
      if (text[i] === '.') {
        i++;
        digits();
      }
      if (text[i] === 'e' || text[i] === 'E') {
        i++;
        if (text[i] === '+' || text[i] === '-') i++;
        digits();
      }
      return;
    }
    stop();
  };
  try {
    value();
    space();
    if (i < n) stop();
    return undefined;
  } catch (error) {
    if (error instanceof JsonStop) return error.at;
    return undefined;
  }
}
