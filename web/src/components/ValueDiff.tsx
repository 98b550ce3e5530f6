import { Code, Group, Text } from '@mantine/core';
import { IconArrowRight } from '@tabler/icons-react';
import { humanize } from '../lib/format.js';

type Value = string | number | boolean | null;

/** A destination value as text; empty reads "empty" so a cleared field is visible. */
export function ValueText({ value }: { value: Value }) {
  if (value === null || value === '') {
    return (
      <Text span size="xs" c="dimmed" fs="italic">
        empty
      </Text>
    );
  }
  return <Code>{String(value)}</Code>;
}

/** One field change: attribute, before → after. */
export function ValueDiff({ attribute, before, after }: { attribute: string; before: Value; after: Value }) {
  return (
    <Group gap={6} wrap="wrap">
      <Text size="xs" fw={500} w={130} style={{ flexShrink: 0 }}>
        {humanize(attribute.replace(/^beton_/, ''))}
      </Text>
      <ValueText value={before} />
      <IconArrowRight size={12} aria-label="becomes" />
      <ValueText value={after} />
    </Group>
  );
}
