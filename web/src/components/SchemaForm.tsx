/**
 * A form generated from a JSON Schema object (an integration's credentials or settings), so a new
 * integration gets its settings form from its definition alone. Secret fields (`writeOnly` or
 * `x-beton-secret`) render as password inputs that are never prefilled: the stored value shows only
 * as its last 4 characters, and leaving the input empty keeps it.
 *
 * @example
 * <SchemaFields schema={detail.credentialsSchema} values={values} onChange={setValues} masked={{ apiKey: '••••4242' }} />
 */
import { NumberInput, PasswordInput, Select, Stack, Switch, TextInput } from '@mantine/core';
import { humanize } from '../lib/format.js';

export interface JsonSchemaField {
  type?: string | string[];
  title?: string;
  description?: string;
  enum?: unknown[];
  default?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  writeOnly?: boolean;
  'x-beton-secret'?: boolean;
  anyOf?: JsonSchemaField[];
  oneOf?: JsonSchemaField[];
  examples?: unknown[];
}

export interface JsonSchemaObject {
  type?: string;
  properties?: Record<string, JsonSchemaField>;
  required?: string[];
}

export type FieldValues = Record<string, string | number | boolean | undefined>;

export const isSecret = (field: JsonSchemaField) => field.writeOnly === true || field['x-beton-secret'] === true;

/** A nullable/optional field in JSON Schema often arrives as anyOf [X, null]: use X. */
function effective(field: JsonSchemaField): JsonSchemaField {
  const options = field.anyOf ?? field.oneOf;
  if (!options) return field;
  const concrete = options.find((o) => o.type !== 'null');
  return concrete ? { ...concrete, ...field, anyOf: undefined, oneOf: undefined, type: concrete.type } : field;
}

const typeOf = (field: JsonSchemaField) => (Array.isArray(field.type) ? field.type.find((t) => t !== 'null') : field.type);

/** Check values against the schema's simple rules, so obvious mistakes are caught before a live check. */
export function validateFields(
  schema: JsonSchemaObject | undefined,
  values: FieldValues,
  options: { keepSecrets?: Record<string, unknown> } = {},
): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const [name, raw] of Object.entries(schema?.properties ?? {})) {
    const field = effective(raw);
    const value = values[name];
    const empty = value === undefined || value === '';
    const label = field.title ?? humanize(name);
    if (empty) {
      const stored = isSecret(field) && options.keepSecrets?.[name] != null;
      if (schema?.required?.includes(name) && !stored) errors[name] = `${label} is required`;
      continue;
    }
    if (typeof value === 'string') {
      if (field.minLength && value.length < field.minLength) errors[name] = `At least ${field.minLength} characters`;
      else if (field.pattern && !new RegExp(field.pattern).test(value)) {
        errors[name] = field.description ? `Does not look right: ${field.description}` : `Must match ${field.pattern}`;
      } else if (field.format === 'uri' && !/^https?:\/\/\S+$/.test(value)) {
        errors[name] = 'Enter a URL such as https://api.example.com';
      }
    }
  }
  return errors;
}

/** The values to send: empty inputs dropped (a blank secret keeps the stored one). */
export function valuesToSend(schema: JsonSchemaObject | undefined, values: FieldValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(schema?.properties ?? {})) {
    const value = values[name];
    if (value === undefined || value === '') continue;
    out[name] = value;
  }
  return out;
}

export function SchemaFields({
  schema,
  values,
  onChange,
  errors = {},
  masked = {},
  disabled,
  idPrefix,
}: {
  schema: JsonSchemaObject | undefined;
  values: FieldValues;
  onChange: (values: FieldValues) => void;
  errors?: Record<string, string>;
  /** Stored secrets as the server masks them (e.g. "••••4242"), shown as a hint, never as the value. */
  masked?: Record<string, unknown>;
  disabled?: boolean;
  idPrefix: string;
}) {
  const properties = Object.entries(schema?.properties ?? {});
  const set = (name: string, value: FieldValues[string]) => onChange({ ...values, [name]: value });
  return (
    <Stack gap="sm">
      {properties.map(([name, raw]) => {
        const field = effective(raw);
        const label = field.title ?? humanize(name);
        const required = schema?.required?.includes(name) ?? false;
        const common = {
          id: `${idPrefix}-${name}`,
          label,
          error: errors[name],
          disabled,
          name,
        };
        if (isSecret(field)) {
          const stored = masked[name];
          return (
            <PasswordInput
              key={name}
              {...common}
              required={required && stored == null}
              autoComplete="off"
              description={
                stored != null
                  ? `Stored: ${String(stored)}. Leave empty to keep it, or paste a new one.`
                  : field.description
              }
              placeholder={stored != null ? `Stored key ending ${String(stored).slice(-4)}` : undefined}
              value={String(values[name] ?? '')}
              onChange={(e) => set(name, e.currentTarget.value)}
            />
          );
        }
        if (field.enum) {
          return (
            <Select
              key={name}
              {...common}
              required={required}
              description={field.description}
              data={field.enum.map((v) => ({ value: String(v), label: String(v) }))}
              value={values[name] == null ? null : String(values[name])}
              onChange={(v) => set(name, v ?? undefined)}
              clearable={!required}
              allowDeselect={!required}
            />
          );
        }
        const type = typeOf(field);
        if (type === 'boolean') {
          return (
            <Switch
              key={name}
              {...common}
              description={field.description}
              checked={Boolean(values[name] ?? field.default ?? false)}
              onChange={(e) => set(name, e.currentTarget.checked)}
            />
          );
        }
        if (type === 'number' || type === 'integer') {
          return (
            <NumberInput
              key={name}
              {...common}
              required={required}
              description={field.description}
              min={field.minimum}
              max={field.maximum}
              allowDecimal={type === 'number'}
              value={typeof values[name] === 'number' ? (values[name] as number) : ''}
              onChange={(v) => set(name, typeof v === 'number' ? v : undefined)}
            />
          );
        }
        return (
          <TextInput
            key={name}
            {...common}
            required={required}
            description={field.description}
            placeholder={field.default != null ? String(field.default) : (field.examples?.[0] as string | undefined)}
            value={String(values[name] ?? '')}
            onChange={(e) => set(name, e.currentTarget.value)}
          />
        );
      })}
    </Stack>
  );
}
