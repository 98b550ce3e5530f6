import { Alert, Button, Card, Group, Stack, Switch, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { integrationApi, integrationKeys } from '../../api/integrations.js';
import { errorMessage } from '../../api/query.js';
import { ErrorAlert, Loading } from '../../components/QueryState.js';
import { EnumRecordField, enumRecord, type JsonSchemaObject } from '../../components/SchemaForm.js';
import { useSession } from '../../session.js';

/** The destination setting that holds the per-field write policy, and the optional notes switch. */
const POLICY_SETTING = 'fieldPolicies';
const NOTES_SETTING = 'notes';

/**
 * Which Beton fields go to the CRM and how each may overwrite what is there. The fields and the
 * policies come from the destination's settings schema; saving stores them on the connection.
 */
export function MappingPanel({ destination }: { destination: string }) {
  const { can } = useSession();
  const queryClient = useQueryClient();
  const detail = useQuery({
    queryKey: integrationKeys.detail(destination),
    queryFn: () => integrationApi.get(destination),
  });
  const integration = detail.data?.integration;
  const stored = integration?.connection?.settings as Record<string, unknown> | undefined;
  const [policies, setPolicies] = useState<Record<string, string>>({});
  const [notes, setNotes] = useState(false);

  // Start from what is stored whenever the stored settings change (load, save).
  useEffect(() => {
    setPolicies({ ...((stored?.[POLICY_SETTING] as Record<string, string> | undefined) ?? {}) });
    setNotes(stored?.[NOTES_SETTING] === true);
  }, [stored]);

  const save = useMutation({
    mutationFn: () =>
      integrationApi.put(destination, { settings: { [POLICY_SETTING]: policies, [NOTES_SETTING]: notes } }),
    meta: { inlineError: true, successMessage: 'Mapping saved; the next dry run uses it' },
    onSuccess: ({ integration: saved }) => {
      queryClient.setQueryData(integrationKeys.detail(destination), { integration: saved });
      queryClient.invalidateQueries({ queryKey: integrationKeys.all });
    },
  });

  if (detail.isPending) return <Loading label="Loading the mapping…" />;
  if (detail.isError) return <ErrorAlert error={detail.error} onRetry={() => detail.refetch()} />;
  const schema = integration?.settingsSchema as JsonSchemaObject;
  const policyField = schema.properties?.[POLICY_SETTING];
  const record = policyField ? enumRecord(policyField) : null;
  if (!record) {
    return <Text c="dimmed">{integration?.displayName} has no per-field write policies to configure.</Text>;
  }
  const editable = can('admin');

  return (
    <Card withBorder maw={760}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <Stack>
          <Text size="sm" c="dimmed">
            Beton writes each field below onto the matching company (by domain). “Default” never overwrites a
            value a person set in the CRM, so a rep’s correction survives the next push.
          </Text>
          {save.isError && (
            <Alert color="red" variant="light" role="alert">
              {errorMessage(save.error)}
            </Alert>
          )}
          <EnumRecordField
            id="push-policies"
            label="Write policy per field"
            keys={record.keys}
            options={record.options}
            value={policies}
            onChange={setPolicies}
            disabled={!editable || save.isPending}
          />
          {schema.properties?.[NOTES_SETTING] && (
            <Switch
              label="Add a note on the company when a high-priority signal fires"
              description="Off by default; one note per signal occurrence, never repeated."
              checked={notes}
              onChange={(e) => setNotes(e.currentTarget.checked)}
              disabled={!editable || save.isPending}
            />
          )}
          {editable ? (
            <Group justify="flex-end">
              <Button type="submit" loading={save.isPending}>
                Save mapping
              </Button>
            </Group>
          ) : (
            <Text size="xs" c="dimmed">
              Only an admin can change the mapping.
            </Text>
          )}
        </Stack>
      </form>
    </Card>
  );
}
