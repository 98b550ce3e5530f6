import { Alert, Button, Group, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { setActiveWorkspace } from '../../api/auth.js';
import { api } from '../../api/client.js';
import { errorMessage } from '../../api/query.js';
import { AuthLayout } from './AuthLayout.js';

/** Shown to a signed-in person who belongs to no workspace yet (right after sign-up). */
export function CreateWorkspacePage({ onSignOut }: { onSignOut: () => void }) {
  const queryClient = useQueryClient();
  const form = useForm({
    initialValues: { name: '' },
    validate: { name: (v) => (v.trim() ? null : 'Name your workspace, e.g. your company') },
  });
  const mutation = useMutation({
    mutationFn: async (name: string) => {
      const { workspace } = await api.post('/api/v1/workspaces', { body: { name } });
      await setActiveWorkspace(workspace.id);
      return workspace;
    },
    meta: { inlineError: true },
    onSuccess: () => queryClient.invalidateQueries(),
  });

  return (
    <AuthLayout
      title="Create your workspace"
      subtitle="A workspace holds your connected tools, accounts and signals. Invite your team to it later."
    >
      <form onSubmit={form.onSubmit(({ name }) => mutation.mutate(name.trim()))} noValidate>
        <Stack>
          {mutation.isError && (
            <Alert color="red" variant="light" role="alert">
              {errorMessage(mutation.error)}
            </Alert>
          )}
          <TextInput
            label="Workspace name"
            placeholder="Acme Inc."
            required
            data-autofocus
            {...form.getInputProps('name')}
          />
          <Group justify="space-between">
            <Button variant="subtle" color="gray" onClick={onSignOut}>
              Sign out
            </Button>
            <Button type="submit" loading={mutation.isPending}>
              Create workspace
            </Button>
          </Group>
        </Stack>
      </form>
    </AuthLayout>
  );
}
