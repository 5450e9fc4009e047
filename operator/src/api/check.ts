/**
 * Small structural checks for validate.ts: each looks at one value of an untrusted object (parsed
 * YAML or JSON), records what is wrong under the field's path, and returns the value narrowed
 * when it is usable. They mirror what the CRD's OpenAPI schema makes the API server check, so a
 * monitor read from a local file (`alertiger run -f`) gets the same verdict as `kubectl apply`.
 */

/** One problem with a resource: the field's path as the API server writes it, and why. */
export interface FieldError {
  field: string;
  message: string;
}

export class Checker {
  readonly errors: FieldError[] = [];

  fail(field: string, message: string): void {
    this.errors.push({ field, message });
  }

  /** A required value is present (not undefined or null). */
  present(field: string, value: unknown, required: boolean): boolean {
    if (value === undefined || value === null) {
      if (required) this.fail(field, 'Required value');
      return false;
    }
    return true;
  }

  /** A plain object with only the known keys; unknown keys are refused as kubectl's strict mode does. */
  object(field: string, value: unknown, keys: readonly string[] | 'any', required = false): Record<string, unknown> | undefined {
    if (!this.present(field, value, required)) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.fail(field, 'must be an object');
      return undefined;
    }
    const record = value as Record<string, unknown>;
    if (keys !== 'any') {
      for (const key of Object.keys(record)) {
        if (!keys.includes(key)) this.fail(`${field}.${key}`, 'unknown field');
      }
    }
    return record;
  }

  string(field: string, value: unknown, rule: StringRule = {}): string | undefined {
    if (!this.present(field, value, rule.required ?? false)) return undefined;
    if (typeof value !== 'string') {
      this.fail(field, 'must be a string');
      return undefined;
    }
    if (rule.enum && !rule.enum.includes(value)) {
      this.fail(field, `unsupported value "${value}": one of ${rule.enum.join(', ')}`);
      return undefined;
    }
    if (value.length < (rule.minLength ?? 0)) {
      this.fail(field, value.length === 0 ? 'must not be empty' : `must be at least ${rule.minLength} characters`);
      return undefined;
    }
    if (rule.maxLength !== undefined && value.length > rule.maxLength) {
      this.fail(field, `must be at most ${rule.maxLength} characters`);
      return undefined;
    }
    if (rule.pattern && !rule.pattern.test(value)) {
      this.fail(field, `"${value}" ${rule.patternHelp ?? `must match ${rule.pattern.source}`}`);
      return undefined;
    }
    return value;
  }

  number(field: string, value: unknown, rule: NumberRule = {}): number | undefined {
    if (!this.present(field, value, rule.required ?? false)) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.fail(field, 'must be a number');
      return undefined;
    }
    if (rule.integer && !Number.isInteger(value)) {
      this.fail(field, 'must be an integer');
      return undefined;
    }
    const { min, max, exclusiveMin = false, exclusiveMax = false } = rule;
    const tooLow = min !== undefined && (exclusiveMin ? value <= min : value < min);
    const tooHigh = max !== undefined && (exclusiveMax ? value >= max : value > max);
    if (tooLow || tooHigh) {
      this.fail(field, `${value} is out of range: must be ${rangeText(rule)}`);
      return undefined;
    }
    return value;
  }

  boolean(field: string, value: unknown): boolean | undefined {
    if (!this.present(field, value, false)) return undefined;
    if (typeof value !== 'boolean') {
      this.fail(field, 'must be true or false');
      return undefined;
    }
    return value;
  }

  /** A map of strings to strings with at most `maxProperties` entries; keys checked by `keyRule`. */
  stringMap(field: string, value: unknown, rule: MapRule): Record<string, string> | undefined {
    const record = this.object(field, value, 'any');
    if (record === undefined) return undefined;
    const entries = Object.entries(record);
    if (entries.length > rule.maxProperties) this.fail(field, `must have at most ${rule.maxProperties} entries`);
    const out: Record<string, string> = {};
    for (const [key, item] of entries) {
      const keyProblem = rule.key?.(key);
      if (keyProblem !== undefined) this.fail(field, `key "${key}" ${keyProblem}`);
      const text = this.string(`${field}.${key}`, item, { maxLength: rule.maxValueLength });
      if (text !== undefined) out[key] = text;
    }
    return out;
  }

  /** A list of distinct strings (an x-kubernetes-list-type: set). */
  stringSet(field: string, value: unknown, rule: { maxItems: number; item: StringRule }): string[] | undefined {
    if (!this.present(field, value, false)) return undefined;
    if (!Array.isArray(value)) {
      this.fail(field, 'must be a list');
      return undefined;
    }
    if (value.length > rule.maxItems) this.fail(field, `must have at most ${rule.maxItems} items`);
    const seen = new Set<string>();
    value.forEach((item, i) => {
      const text = this.string(`${field}[${i}]`, item, { ...rule.item, required: true });
      if (text === undefined) return;
      if (seen.has(text)) this.fail(`${field}[${i}]`, `duplicate value "${text}"`);
      seen.add(text);
    });
    return value.filter((v): v is string => typeof v === 'string');
  }
}

export interface StringRule {
  required?: boolean;
  enum?: readonly string[];
  minLength?: number;
  maxLength?: number;
  pattern?: RegExp;
  /** Completes `"value" …` when the pattern fails, e.g. 'must be a DNS-1123 name'. */
  patternHelp?: string;
}

export interface NumberRule {
  required?: boolean;
  integer?: boolean;
  min?: number;
  max?: number;
  exclusiveMin?: boolean;
  exclusiveMax?: boolean;
}

export interface MapRule {
  maxProperties: number;
  maxValueLength: number;
  /** A message completing `key "k" …` when the key is not acceptable, else undefined. */
  key?: (key: string) => string | undefined;
}

function rangeText(rule: NumberRule): string {
  const lo = rule.min === undefined ? '' : `${rule.exclusiveMin ? '>' : '>='} ${rule.min}`;
  const hi = rule.max === undefined ? '' : `${rule.exclusiveMax ? '<' : '<='} ${rule.max}`;
  return [lo, hi].filter((s) => s !== '').join(' and ');
}
