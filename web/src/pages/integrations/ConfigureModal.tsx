import {
  Alert,
  Anchor,
  Button,
  Code,
  Divider,
  Group,
  List,
  Modal,
  Paper,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { IconExternalLink, IconKey } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { ApiError } from '../../api/client.js';
import { integrationApi, integrationKeys } from '../../api/integrations.js';
import { errorMessage } from '../../api/query.js';
import { ErrorAlert, Loading } from '../../components/QueryState.js';
import {
  type FieldValues,
  type JsonSchemaObject,
  SchemaFields,
  settingsToSend,
  validateFields,
  valuesToSend,
} from '../../components/SchemaForm.js';
import { CheckPreview, type CheckPreviewTable } from './CheckPreview.js';

/** Field errors the server attaches to a 400, keyed `credentials.apiKey` / `settings.baseUrl`. */
function serverFieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError) || !Array.isArray(error.details)) return {};
  const out: Record<string, string> = {};
  for (const d of error.details as { path?: string; message?: string }[]) {
    const parts = (d.path ?? '').split('.').filter((p) => p !== 'body');
    if (parts.length >= 2 && d.message) out[`${parts[0]}.${parts[1]}`] = d.message;
  }
  return out;
}

const pick = (errors: Record<string, string>, section: string) =>
  Object.fromEntries(
    Object.entries(errors)
      .filter(([k]) => k.startsWith(`${section}.`))
      .map(([k, v]) => [k.slice(section.length + 1), v]),
  );

/**
 * Connect or reconfigure one integration. The form comes from the integration's credential and
 * settings JSON Schemas; saving checks the key live on the server before anything is stored.
 */
export function ConfigureModal({
  name,
  opened,
  onClose,
}: {
  name: string;
  opened: boolean;
  onClose: () => void;
}) {
  const queryClient = useQueryClient();
  const detail = useQuery({
    queryKey: integrationKeys.detail(name),
    queryFn: () => integrationApi.get(name),
    enabled: opened,
  });
  const integration = detail.data?.integration;
  const [credentials, setCredentials] = useState<FieldValues>({});
  const [settings, setSettings] = useState<FieldValues>({});
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  // What the live check read (a query's first rows): shown after connecting, before closing.
  const [preview, setPreview] = useState<CheckPreviewTable[] | null>(null);

  // Start from the stored settings each time the dialog opens; secrets always start empty.
  useEffect(() => {
    if (opened && integration) {
      setSettings({ ...(integration.connection?.settings ?? {}) } as FieldValues);
      setCredentials({});
      setLocalErrors({});
      setPreview(null);
    }
  }, [opened, integration]);

  const save = useMutation({
    mutationFn: () =>
      integrationApi.put(name, {
        credentials: valuesToSend(integration?.credentialsSchema as JsonSchemaObject, credentials),
        settings: settingsToSend(
          integration?.settingsSchema as JsonSchemaObject,
          settings,
          integration?.connection?.settings ?? {},
        ),
      }),
    meta: { inlineError: true },
    onSuccess: ({ integration: saved }) => {
      queryClient.setQueryData(integrationKeys.detail(name), { integration: saved });
      queryClient.invalidateQueries({ queryKey: integrationKeys.all });
      if (saved.preview?.length) setPreview(saved.preview);
      else onClose();
    },
  });

  const close = () => {
    save.reset();
    onClose();
  };

  const submit = () => {
    if (!integration) return;
    const masked = integration.connection?.credentials ?? {};
    const errors = {
      ...Object.fromEntries(
        Object.entries(
          validateFields(integration.credentialsSchema as JsonSchemaObject, credentials, {
            keepSecrets: masked,
          }),
        ).map(([k, v]) => [`credentials.${k}`, v]),
      ),
      ...Object.fromEntries(
        Object.entries(validateFields(integration.settingsSchema as JsonSchemaObject, settings)).map(
          ([k, v]) => [`settings.${k}`, v],
        ),
      ),
    };
    setLocalErrors(errors);
    if (Object.keys(errors).length === 0) save.mutate();
  };

  const errors = { ...serverFieldErrors(save.error), ...localErrors };
  const connected = integration?.connection != null;

  return (
    <Modal
      opened={opened}
      onClose={close}
      size="lg"
      title={
        integration ? `${connected ? 'Configure' : 'Connect'} ${integration.displayName}` : 'Integration'
      }
    >
      {preview ? (
        <Stack>
          <Alert color="green" variant="light" role="status" title="Connected">
            {integration?.connection?.accountLabel ?? integration?.displayName}: this is what the check read.
          </Alert>
          <CheckPreview tables={preview} />
          <Group justify="flex-end">
            <Button onClick={close}>Done</Button>
          </Group>
        </Stack>
      ) : detail.isPending ? (
        <Loading label="Loading the integration…" />
      ) : detail.isError ? (
        <ErrorAlert error={detail.error} onRetry={() => detail.refetch()} />
      ) : integration ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
          noValidate
        >
          <Stack>
            <Text size="sm" c="dimmed">
              {integration.description}
            </Text>
            <Paper bg="var(--mantine-color-indigo-light)" p="md" radius="md">
              <Stack gap={6}>
                <Group gap={6}>
                  <IconKey size={16} />
                  <Text fw={600} size="sm">
                    Where to get a key
                  </Text>
                </Group>
                <Anchor href={integration.docs.keyUrl} target="_blank" rel="noreferrer" size="sm">
                  {integration.docs.keyUrl} <IconExternalLink size={12} />
                </Anchor>
                {integration.docs.scopes.length > 0 && (
                  <>
                    <Text size="sm">The key needs these scopes:</Text>
                    <List size="sm" spacing={2}>
                      {integration.docs.scopes.map((scope) => (
                        <List.Item key={scope}>
                          <Code>{scope}</Code>
                        </List.Item>
                      ))}
                    </List>
                  </>
                )}
                <Text size="xs" c="dimmed">
                  Setup guide: <Code>{integration.docs.setup}</Code> in the Beton repository.
                </Text>
              </Stack>
            </Paper>
            {integration.envFields.length > 0 && (
              <Alert variant="light" color="gray" role="note">
                Set by the server’s environment (BETON_{integration.name.toUpperCase()}_…):{' '}
                {integration.envFields.join(', ')}. Values entered here are used only where the environment is
                silent.
              </Alert>
            )}
            {save.isError && (
              <Alert color="red" variant="light" role="alert" title="Not saved">
                {errorMessage(save.error)}
              </Alert>
            )}
            <Title order={3} size="h5">
              Credentials
            </Title>
            <SchemaFields
              idPrefix={`${name}-credentials`}
              schema={integration.credentialsSchema as JsonSchemaObject}
              values={credentials}
              onChange={setCredentials}
              masked={integration.connection?.credentials ?? {}}
              errors={pick(errors, 'credentials')}
              disabled={save.isPending}
            />
            <Divider />
            <div>
              <Title order={3} size="h5">
                Settings
              </Title>
              <Text size="xs" c="dimmed">
                Empty optional settings use their defaults.
              </Text>
            </div>
            <SchemaFields
              idPrefix={`${name}-settings`}
              schema={integration.settingsSchema as JsonSchemaObject}
              values={settings}
              onChange={setSettings}
              errors={pick(errors, 'settings')}
              disabled={save.isPending}
            />
            <Group justify="space-between" mt="sm">
              <Text size="xs" c="dimmed" maw={300}>
                Saving checks the key with {integration.displayName} first; nothing is stored if it is
                refused.
              </Text>
              <Group>
                <Button variant="default" onClick={close}>
                  Cancel
                </Button>
                <Button type="submit" loading={save.isPending}>
                  {connected ? 'Save and test' : 'Connect'}
                </Button>
              </Group>
            </Group>
          </Stack>
        </form>
      ) : null}
    </Modal>
  );
}
