/**
 * A push diff as a table: one row per company, one column per CRM attribute, each cell the value
 * before → after (or what a policy kept). Wide plans scroll sideways instead of growing tall.
 *
 * @example
 * <DiffTable rows={plan.items.map((i) => ({ key: i.key, title: i.name, href: `/accounts/${i.accountId}`, action: i.action, changes: i.changes, kept: i.kept }))} />
 */
import { Anchor, Badge, Group, Stack, Table, Text, Tooltip } from '@mantine/core';
import { IconLock } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { formatDate, humanize } from '../lib/format.js';

type Value = string | number | boolean | null;

export interface DiffRow {
  key: string;
  title: string;
  subtitle?: string;
  href?: string;
  action: string;
  /** A badge or note shown under the action (e.g. "retry"). */
  note?: ReactNode;
  reason?: string | null;
  changes: { attribute: string; before: Value; after: Value }[];
  kept?: { attribute: string; current: Value; wanted: Value; reason: string }[];
}

const ACTION_COLOR: Record<string, string> = {
  create: 'teal',
  update: 'blue',
  unchanged: 'gray',
  reject: 'red',
  written: 'teal',
  rejected: 'red',
  skipped: 'gray',
};

const ISO = /^\d{4}-\d{2}-\d{2}T/;

/** A value short enough for a cell; the full text is in the tooltip. */
function Short({ value, strong }: { value: Value; strong?: boolean }) {
  if (value === null || value === '') {
    return (
      <Text span size="xs" c="dimmed" fs="italic">
        empty
      </Text>
    );
  }
  const text = typeof value === 'string' && ISO.test(value) ? formatDate(value) : String(value);
  const body = (
    <Text
      span
      size="xs"
      fw={strong ? 600 : 400}
      c={strong ? undefined : 'dimmed'}
      td={strong ? undefined : 'line-through'}
    >
      {text.length > 28 ? `${text.slice(0, 26)}…` : text}
    </Text>
  );
  return text.length > 28 || text !== String(value) ? (
    <Tooltip label={String(value)} multiline maw={360}>
      {body}
    </Tooltip>
  ) : (
    body
  );
}

function Cell({ row, attribute }: { row: DiffRow; attribute: string }) {
  const change = row.changes.find((c) => c.attribute === attribute);
  if (change) {
    return (
      <Stack gap={0}>
        {change.before !== null && row.action !== 'create' && <Short value={change.before} />}
        <Short value={change.after} strong />
      </Stack>
    );
  }
  const kept = row.kept?.find((k) => k.attribute === attribute);
  if (kept) {
    return (
      <Tooltip
        label={`Kept ${String(kept.current)} (${kept.reason === 'set_by_person' ? 'a person set it' : 'not empty'}); Beton has ${String(kept.wanted)}`}
        multiline
        maw={300}
      >
        <Group gap={2} wrap="nowrap">
          <IconLock size={12} aria-label="kept" />
          <Text span size="xs">
            {String(kept.current)}
          </Text>
        </Group>
      </Tooltip>
    );
  }
  return (
    <Text span size="xs" c="dimmed" aria-label="unchanged">
      ·
    </Text>
  );
}

export function DiffTable({ rows, empty }: { rows: DiffRow[]; empty: string }) {
  if (rows.length === 0) {
    return (
      <Text size="sm" c="dimmed" ta="center" py="md">
        {empty}
      </Text>
    );
  }
  const attributes: string[] = [];
  for (const row of rows) {
    for (const a of [...row.changes.map((c) => c.attribute), ...(row.kept ?? []).map((k) => k.attribute)]) {
      if (!attributes.includes(a)) attributes.push(a);
    }
  }
  return (
    <Table.ScrollContainer minWidth={Math.max(640, 260 + attributes.length * 120)}>
      <Table verticalSpacing="xs" striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Company</Table.Th>
            <Table.Th>Action</Table.Th>
            {attributes.map((a) => (
              <Table.Th key={a}>
                <Text size="xs" fw={600}>
                  {humanize(a.replace(/^beton_/, ''))}
                </Text>
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr key={row.key}>
              <Table.Td maw={220}>
                {row.href ? (
                  <Anchor
                    component={Link}
                    to={row.href}
                    size="sm"
                    fw={500}
                    c="inherit"
                    truncate
                    style={{ display: 'block' }}
                  >
                    {row.title}
                  </Anchor>
                ) : (
                  <Text size="sm" fw={500} truncate>
                    {row.title}
                  </Text>
                )}
                {row.subtitle && (
                  <Text size="xs" c="dimmed" truncate>
                    {row.subtitle}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Badge size="sm" variant="light" color={ACTION_COLOR[row.action] ?? 'gray'}>
                  {row.action}
                </Badge>
                {row.note}
              </Table.Td>
              {row.reason ? (
                <Table.Td colSpan={attributes.length}>
                  <Text size="xs" c="red">
                    {row.reason}
                  </Text>
                </Table.Td>
              ) : (
                attributes.map((a) => (
                  <Table.Td key={a}>
                    <Cell row={row} attribute={a} />
                  </Table.Td>
                ))
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
