/**
 * A form generated from a JSON Schema object (an integration's credentials or settings), so a new
 * integration gets its settings form from its definition alone. Secret fields (`writeOnly` or
 * `x-beton-secret`) render as password inputs that are never prefilled: the stored value shows only
 * as its last 4 characters, and leaving the input empty keeps it.
 *
 * @example
 * <SchemaFields schema={detail.credentialsSchema} values={values} onChange={setValues} masked={{ apiKey: '••••4242' }} />
 */
import {
  Group,
  Input,
  NumberInput,
  PasswordInput,
  Select,
  Stack,
  Switch,
  TagsInput,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
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
  /** Several lines of text (a query, a template): rendered as a text area. */
  'x-beton-multiline'?: boolean;
  /** What the text is (`application/sql`): anything but plain text is shown in a monospaced font. */
  contentMediaType?: string;
  anyOf?: JsonSchemaField[];
  propertyNames?: { enum?: string[] };
  additionalProperties?: JsonSchemaField | boolean;
  oneOf?: JsonSchemaField[];
  examples?: unknown[];
  items?: JsonSchemaField;
  maxItems?: number;
}

export interface JsonSchemaObject {
  type?: string;
  properties?: Record<string, JsonSchemaField>;
  required?: string[];
}

export type FieldValues = Record<string, unknown>;

export const isSecret = (field: JsonSchemaField) =>
  field.writeOnly === true || field['x-beton-secret'] === true;

/** A map from a fixed set of keys to one of a fixed set of values, e.g. a policy per push field. */
export function enumRecord(field: JsonSchemaField): { keys: string[]; options: string[] } | null {
  const keys = field.propertyNames?.enum;
  const values = typeof field.additionalProperties === 'object' ? field.additionalProperties.enum : undefined;
  return keys && values ? { keys, options: values.map(String) } : null;
}

/** Readable names for well-known enum values (anything else is humanized). */
const OPTION_LABELS: Record<string, string> = {
  always: 'Always write',
  only_if_empty: 'Only if empty',
  never_overwrite_human: 'Never overwrite a person’s value',
};
export const optionLabel = (value: string) => OPTION_LABELS[value] ?? humanize(value);

/** A nullable/optional field in JSON Schema often arrives as anyOf [X, null]: use X. */
function effective(field: JsonSchemaField): JsonSchemaField {
  const options = field.anyOf ?? field.oneOf;
  if (!options) return field;
  const concrete = options.find((o) => o.type !== 'null');
  return concrete
    ? { ...concrete, ...field, anyOf: undefined, oneOf: undefined, type: concrete.type }
    : field;
}

const typeOf = (field: JsonSchemaField) =>
  Array.isArray(field.type) ? field.type.find((t) => t !== 'null') : field.type;

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
      if (field.minLength && value.length < field.minLength)
        errors[name] = `At least ${field.minLength} characters`;
      else if (field.pattern && !new RegExp(field.pattern).test(value)) {
        errors[name] = field.description
          ? `Does not look right: ${field.description}`
          : `Must match ${field.pattern}`;
      } else if (field.format === 'uri' && !/^https?:\/\/\S+$/.test(value)) {
        errors[name] = 'Enter a URL such as https://api.example.com';
      }
    }
  }
  return errors;
}

/** The values to send: empty inputs dropped (a blank secret keeps the stored one). */
export function valuesToSend(
  schema: JsonSchemaObject | undefined,
  values: FieldValues,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(schema?.properties ?? {})) {
    const value = values[name];
    if (value === undefined || value === '') continue;
    if (typeof value === 'object' && value !== null && Object.keys(value).length === 0) continue;
    out[name] = value;
  }
  return out;
}

/**
 * Settings to send on save: the values filled in, and `null` for a stored setting the person emptied,
 * which the server removes (the setting falls back to its default). Fields left out keep their value.
 */
export function settingsToSend(
  schema: JsonSchemaObject | undefined,
  values: FieldValues,
  stored: Record<string, unknown>,
): Record<string, unknown> {
  const out = valuesToSend(schema, values);
  for (const name of Object.keys(schema?.properties ?? {})) {
    if (!(name in out) && stored[name] != null) out[name] = null;
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
  /** An × that empties an optional field (saving then removes the stored value). */
  const clear = (name: string, label: string, required: boolean) =>
    !required && !disabled && values[name] != null && values[name] !== ''
      ? {
          rightSection: (
            <Input.ClearButton aria-label={`Clear ${label}`} onClick={() => set(name, undefined)} />
          ),
          rightSectionPointerEvents: 'auto' as const,
        }
      : {};
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
        const record = enumRecord(field);
        if (record) {
          return (
            <EnumRecordField
              key={name}
              id={common.id}
              label={label}
              description={field.description}
              keys={record.keys}
              options={record.options}
              value={(values[name] as Record<string, string> | undefined) ?? {}}
              onChange={(v) => set(name, v)}
              disabled={disabled}
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
              data={field.enum.map((v) => ({ value: String(v), label: optionLabel(String(v)) }))}
              placeholder={field.default != null ? optionLabel(String(field.default)) : 'Default'}
              value={values[name] == null ? null : String(values[name])}
              onChange={(v) => set(name, v ?? undefined)}
              clearable={!required}
              allowDeselect={!required}
            />
          );
        }
        const type = typeOf(field);
        if (type === 'array' && field.items && typeOf(effective(field.items)) === 'string') {
          const list = Array.isArray(values[name]) ? (values[name] as unknown[]).map(String) : [];
          return (
            <TagsInput
              key={name}
              {...common}
              required={required}
              description={field.description}
              placeholder={list.length ? '' : 'Type a value and press Enter'}
              maxTags={field.maxItems}
              value={list}
              onChange={(v) => set(name, v.length ? v : undefined)}
              clearable={!required}
            />
          );
        }
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
              {...clear(name, label, required)}
            />
          );
        }
        if (field['x-beton-multiline'] === true) {
          const code = field.contentMediaType !== undefined && field.contentMediaType !== 'text/plain';
          return (
            <Textarea
              key={name}
              {...common}
              required={required}
              description={field.description}
              autosize
              minRows={code ? 5 : 3}
              maxRows={18}
              spellCheck={!code}
              ff={code ? 'monospace' : undefined}
              value={String(values[name] ?? '')}
              onChange={(e) => set(name, e.currentTarget.value)}
            />
          );
        }
        return (
          <TextInput
            key={name}
            {...common}
            required={required}
            description={field.description}
            placeholder={
              field.default != null ? String(field.default) : (field.examples?.[0] as string | undefined)
            }
            value={String(values[name] ?? '')}
            onChange={(e) => set(name, e.currentTarget.value)}
            {...clear(name, label, required)}
          />
        );
      })}
    </Stack>
  );
}

/**
 * One select per key (e.g. a write policy per push field). An unset key shows "Default" and is
 * left out of what is sent, so the server's default applies.
 */
export function EnumRecordField({
  id,
  label,
  description,
  keys,
  options,
  value,
  onChange,
  disabled,
}: {
  id: string;
  label: string;
  description?: string;
  keys: string[];
  options: string[];
  value: Record<string, string>;
  onChange: (value: Record<string, string>) => void;
  disabled?: boolean;
}) {
  const data = [
    { value: '', label: 'Default' },
    ...options.map((o) => ({ value: o, label: optionLabel(o) })),
  ];
  return (
    <Input.Wrapper label={label} description={description} id={id}>
      <Stack gap={6} mt={6}>
        {keys.map((key) => (
          <Group key={key} gap="sm" wrap="nowrap" justify="space-between">
            <Text size="sm" style={{ flex: 1, minWidth: 0 }} truncate>
              {humanize(key)}
            </Text>
            <Select
              size="xs"
              w={250}
              aria-label={`${label}: ${humanize(key)}`}
              data={data}
              value={value[key] ?? ''}
              allowDeselect={false}
              disabled={disabled}
              onChange={(v) => {
                const next = { ...value };
                if (v) next[key] = v;
                else delete next[key];
                onChange(next);
              }}
            />
          </Group>
        ))}
      </Stack>
    </Input.Wrapper>
  );
}
