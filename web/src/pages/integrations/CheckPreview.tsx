import { Code, ScrollArea, Stack, Table, Text } from '@mantine/core';

/** A table of what a connection's live check read (a query's first rows), as the API answers it. */
export interface CheckPreviewTable {
  title: string;
  columns: string[];
  rows: (string | number | null)[][];
}

/**
 * What the live check read when connecting, so the user sees their data as Beton will (a SQL
 * source's first rows per query) before the first sync. Shown by any integration whose check
 * answers a preview.
 */
export function CheckPreview({ tables }: { tables: CheckPreviewTable[] }) {
  return (
    <Stack gap="md" aria-label="What the check read">
      {tables.map((table) => (
        <Stack key={table.title} gap={4}>
          <Text fw={600} size="sm">
            {table.title}
          </Text>
          {table.rows.length === 0 ? (
            <Text size="sm" c="dimmed">
              No rows yet: the columns are right, and the first sync will read what arrives.
            </Text>
          ) : (
            <ScrollArea type="auto">
              <Table striped withTableBorder fz="xs" aria-label={table.title}>
                <Table.Thead>
                  <Table.Tr>
                    {table.columns.map((c) => (
                      <Table.Th key={c}>
                        <Code>{c}</Code>
                      </Table.Th>
                    ))}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {table.rows.map((row, i) => (
                    // Rows have no id of their own; their order is the answer's.
                    // biome-ignore lint/suspicious/noArrayIndexKey: see above.
                    <Table.Tr key={i}>
                      {row.map((value, j) => (
                        // biome-ignore lint/suspicious/noArrayIndexKey: cells follow the columns.
                        <Table.Td key={j}>
                          {value === null ? <Text c="dimmed">null</Text> : String(value)}
                        </Table.Td>
                      ))}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </ScrollArea>
          )}
        </Stack>
      ))}
    </Stack>
  );
}
